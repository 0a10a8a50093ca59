using System.Globalization;
using Microsoft.Playwright;
using VaeWeb.E2E.Infrastructure;
using Xunit.Abstractions;

namespace VaeWeb.E2E;

/// <summary>The sampler switch, digit buttons, the judge's scores and the map's projection switch, against a service with a finished tiny run.</summary>
[Collection(TrainedSiteCollection.Name)]
public sealed class SamplerPanelTests(TrainedSite site, ITestOutputHelper output)
{
    private static readonly LocatorAssertionsToHaveAttributeOptions Slow = new() { Timeout = 90_000 };

    [Fact]
    public async Task Switching_to_the_aggregate_sampler_redraws_the_grid_from_it()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;
        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-sampler", "prior");
        var prior = await page.Locator("#samples-img").GetAttributeAsync("src");

        await page.Locator("#samples-form select[name=sampler]").SelectOptionAsync("aggregate");

        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-sampler", "aggregate");
        Assert.NotEqual(prior, await page.Locator("#samples-img").GetAttributeAsync("src"));
        await Expect(page.Locator("#samples-title")).ToHaveTextAsync("Samples from the aggregate posterior");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task A_digit_button_draws_only_that_digit_from_the_aggregate_posterior()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;
        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-sampler", "prior");

        await page.Locator("#digit-buttons").GetByRole(AriaRole.Button, new() { Name = "7", Exact = true }).ClickAsync();

        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-digit", "7");
        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-query", new System.Text.RegularExpressions.Regex("sampler=aggregate.*digit=7"));
        await Expect(page.Locator("#samples-form select[name=sampler]")).ToHaveValueAsync("aggregate");
        await Expect(page.Locator("#digit-buttons button[data-digit='7']")).ToHaveAttributeAsync("aria-pressed", "true");
        await session.ScreenshotAsync("samples-digit-7", "#samples");

        // Back to the prior: it knows no classes, so the digit is dropped.
        await page.Locator("#samples-form select[name=sampler]").SelectOptionAsync("prior");
        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-digit", "");
        await Expect(page.Locator("#digit-buttons button[data-digit='']")).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task A_temperature_out_of_range_shows_the_servers_message()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;
        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-sampler", "prior");

        await page.Locator("#samples-form input[name=temperature]").FillAsync("9");
        await page.Locator("#samples-form").GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();

        await Expect(page.Locator("#samples-error")).ToContainTextAsync("temperature must be a number from 0 to 3");
    }

    [Fact]
    public async Task The_judges_scores_of_each_sampler_stand_beside_the_samples()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await Expect(page.Locator("#judge")).ToHaveAttributeAsync("data-state", "ready", Slow);

        var rows = page.Locator("#judge-table tbody tr");
        await Expect(rows).ToHaveCountAsync(3);
        await Expect(rows.Nth(0)).ToContainTextAsync("prior");
        await Expect(rows.Nth(1)).ToContainTextAsync("aggregate");
        await Expect(page.Locator("#judge-table tbody tr.current")).ToHaveAttributeAsync("data-sampler", "prior");
        var inception = double.Parse(await rows.Nth(0).Locator("td").Nth(1).InnerTextAsync(), CultureInfo.InvariantCulture);
        Assert.InRange(inception, 1.0, 10.0);
        Assert.Equal(10, await rows.Nth(0).Locator(".histogram i").CountAsync());

        await page.Locator("#samples-form select[name=sampler]").SelectOptionAsync("aggregate");
        await Expect(page.Locator("#judge-table tbody tr.current")).ToHaveAttributeAsync("data-sampler", "aggregate");
        await session.ScreenshotAsync("samples-judge", "#samples");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task The_past_runs_table_shows_each_runs_sample_scores()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        var row = page.Locator("#runs-table tbody tr").First;
        await Expect(row).ToHaveAttributeAsync("data-scored", "true", Slow);

        // IS, FID and confident share, each "prior / aggregate".
        var cells = row.Locator("td");
        await Expect(cells).ToHaveCountAsync(10);
        for (var i = 7; i < 10; i++)
        {
            await Expect(cells.Nth(i)).ToContainTextAsync(" / ");
        }
    }

    [Fact]
    public async Task The_UMAP_projection_replaces_PCA_on_the_map_and_dragging_still_decodes()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;
        var map = page.Locator("#map");
        await Expect(map).ToHaveAttributeAsync("data-projection", "pca");
        var points = await map.GetAttributeAsync("data-points");
        var pcaPositions = await Positions(page);

        await page.GetByLabel("UMAP", new() { Exact = true }).CheckAsync();

        await Expect(map).ToHaveAttributeAsync("data-projection", "umap", Slow);
        await Expect(page.Locator("#projection-note")).ToBeVisibleAsync();
        await Expect(page.Locator("#projection-note")).ToContainTextAsync("inverse-distance weighting");
        output.WriteLine($"UMAP ready after {await map.GetAttributeAsync("data-projection-seconds")} s; 5-NN accuracy {await map.GetAttributeAsync("data-knn5")} ({points} points)");
        Assert.Equal(points, await page.EvaluateAsync<string>("() => String(window.vaeweb.map.points.length)"));
        Assert.NotEqual(pcaPositions, await Positions(page));

        // Dragging across the UMAP plane decodes inverse-distance-weighted μ into the preview.
        var box = (await map.BoundingBoxAsync())!;
        var before = await page.Locator("#preview").GetAttributeAsync("data-updates") ?? "0";
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.3f), box.Y + (box.Height * 0.3f));
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + (box.Width * 0.7f), box.Y + (box.Height * 0.6f), new() { Steps = 8 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync($"() => Number(document.getElementById('preview').dataset.updates || 0) > {before}");
        await session.ScreenshotAsync("latent-map-umap", "#latent");

        await page.GetByLabel("PCA", new() { Exact = true }).CheckAsync();
        await Expect(map).ToHaveAttributeAsync("data-projection", "pca");
        Assert.Equal(pcaPositions, await Positions(page));
        Assert.Empty(session.Errors);
    }

    private static Task<string> Positions(IPage page) =>
        page.EvaluateAsync<string>("() => window.vaeweb.map.points.slice(0, 5).map(p => `${p.x.toFixed(4)},${p.y.toFixed(4)}`).join(' ')");
}
