using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using VaeWeb.E2E.Infrastructure;
using Xunit.Abstractions;

namespace VaeWeb.E2E;

/// <summary>A running service with two finished tiny runs of different β and latent size, and a browser.</summary>
public sealed class TwoRunsSite : IAsyncLifetime
{
    public ServiceProcess Service { get; private set; } = null!;

    public BrowserSession Browser { get; private set; } = null!;

    /// <summary>The first run trained (β 4, latent 4) and the second (β 0.5, latent 8), which is the newest.</summary>
    public (string Id, string Version) First { get; private set; }

    public (string Id, string Version) Second { get; private set; }

    public async Task InitializeAsync()
    {
        Browser = await BrowserSession.LaunchAsync();
        Service = await ServiceProcess.StartAsync(trainImages: 512);
        First = Finished(await Service.TrainAsync(new { epochs = 2, beta = 4, latentDim = 4, learningRate = 0.003, seed = 3 }, TimeSpan.FromMinutes(3)));
        Second = Finished(await Service.TrainAsync(new { epochs = 3, beta = 0.5, latentDim = 8, learningRate = 0.003, seed = 5 }, TimeSpan.FromMinutes(3)));
    }

    private static (string, string) Finished(JsonElement status) =>
        (status.GetProperty("runId").GetString()!, status.GetProperty("modelVersion").GetString()!);

    public Task<PageSession> OpenAsync(ViewportSize? viewport = null) => Browser.OpenAsync(Service.BaseAddress, viewport);

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
    }
}

/// <summary>The compare panel: tick runs to overlay their curves and see their samples side by side; serve one.</summary>
public sealed class ComparePanelTests(TwoRunsSite site, ITestOutputHelper output) : IClassFixture<TwoRunsSite>
{
    [Fact]
    public async Task Ticking_two_runs_overlays_two_curves_and_shows_a_row_of_samples_from_each_run()
    {
        await using var session = await site.OpenAsync();
        var page = session.Page;
        var versions = new ConcurrentQueue<(string Url, string? Version)>();
        page.Response += (_, response) =>
        {
            if (response.Url.Contains("/samples?", StringComparison.Ordinal) && response.Url.Contains("model=", StringComparison.Ordinal))
            {
                versions.Enqueue((response.Url, response.Headers.TryGetValue("x-model-version", out var v) ? v : null));
            }
        };
        await session.GotoAsync();
        await Expect(page.Locator("#lab-table tbody tr")).ToHaveCountAsync(2);

        await page.GetByLabel($"Compare run {site.First.Id}").CheckAsync();
        await page.GetByLabel($"Compare run {site.Second.Id}").CheckAsync();

        var chart = page.Locator("#lab-chart");
        await Expect(chart).ToHaveAttributeAsync("data-series", $"{site.First.Id},{site.Second.Id}");
        await Expect(chart).ToHaveAttributeAsync("data-points", "5"); // 2 + 3 test-loss points
        await Expect(page.Locator("#lab-legend .legend-item")).ToHaveCountAsync(2);
        await Expect(page.Locator("#lab-legend")).ToContainTextAsync("β 4 · latent 4");
        var rows = page.Locator("#lab-samples .sample-row");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-model-version", site.First.Version);
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-model-version", site.Second.Version);
        await Expect(rows.Nth(0)).ToContainTextAsync("β 4 · latent 4 · gaussian");
        await Expect(rows.Nth(1)).ToContainTextAsync("β 0.5 · latent 8 · gaussian");

        // The images came from the ticked runs' models, and differ between them (same seed, other decoder).
        var answered = versions.Select(v => v.Version).ToHashSet();
        Assert.Equal([site.First.Version, site.Second.Version], answered.Order(StringComparer.Ordinal));
        var first = await RowPixelsAsync(rows.Nth(0));
        var second = await RowPixelsAsync(rows.Nth(1));
        Assert.True(first.Sum(p => (long)p) > 0, "The first row's digits are blank.");
        Assert.NotEqual(first, second);
        Assert.Empty(session.Errors);
        await session.ScreenshotAsync("desktop-compare-two-runs", "#lab");
    }

    [Fact]
    public async Task A_new_seed_redraws_every_row_from_the_same_models_and_the_curve_can_be_switched()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;
        await page.GetByLabel($"Compare run {site.First.Id}").CheckAsync();
        await page.GetByLabel($"Compare run {site.Second.Id}").CheckAsync();
        var rows = page.Locator("#lab-samples .sample-row");
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-seed", "7");
        var before = await RowPixelsAsync(rows.Nth(0));

        await page.GetByRole(AriaRole.Button, new() { Name = "New seed" }).ClickAsync();

        var seed = await page.Locator("#lab-seed").InputValueAsync();
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-seed", seed);
        await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-seed", seed);
        await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-model-version", site.First.Version);
        if (seed != "7")
        {
            Assert.NotEqual(before, await RowPixelsAsync(rows.Nth(0)));
        }

        // Another curve of the same runs: test KL, one point per finished epoch again.
        await page.GetByLabel("Curve").SelectOptionAsync("testKl");
        await Expect(page.Locator("#lab-chart")).ToHaveAttributeAsync("data-curve", "testKl");
        await Expect(page.Locator("#lab-chart")).ToHaveAttributeAsync("data-points", "5");
        await Expect(page.Locator("#lab-chart")).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^test KL per epoch of 2 runs"));

        // Unticking a run takes its curve and its row away.
        await page.GetByLabel($"Compare run {site.First.Id}").UncheckAsync();
        await Expect(rows).ToHaveCountAsync(1);
        await Expect(page.Locator("#lab-chart")).ToHaveAttributeAsync("data-series", site.Second.Id);
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Serve_pins_a_run_the_page_marks_it_serving_and_unpin_returns_to_the_newest()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;
        var firstRow = page.Locator($"#lab-table tbody tr[data-run-id='{site.First.Id}']");
        var secondRow = page.Locator($"#lab-table tbody tr[data-run-id='{site.Second.Id}']");
        await Expect(secondRow).ToContainTextAsync("serving");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Serve run {site.First.Id}" }).ClickAsync();

        await Expect(firstRow).ToContainTextAsync("serving (pinned)");
        await Expect(firstRow).ToHaveClassAsync(new System.Text.RegularExpressions.Regex(@"\bserving\b"));
        await Expect(secondRow.GetByRole(AriaRole.Button, new() { Name = $"Serve run {site.Second.Id}" })).ToBeVisibleAsync();
        var pinned = await ServingAsync();
        Assert.Equal(site.First.Version, pinned.GetProperty("pinned").GetString());
        Assert.Equal(site.First.Version, pinned.GetProperty("serving").GetString());
        await Expect(page.Locator("#model-version")).ToHaveTextAsync(site.First.Version);
        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-model-version", site.First.Version);
        await session.ScreenshotAsync("desktop-compare-pinned", "#lab");

        await page.GetByRole(AriaRole.Button, new() { Name = "Unpin" }).ClickAsync();

        await Expect(secondRow).ToContainTextAsync("serving");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Unpin" })).ToBeHiddenAsync();
        var unpinned = await ServingAsync();
        Assert.Equal(JsonValueKind.Null, unpinned.GetProperty("pinned").ValueKind);
        Assert.Equal(site.Second.Version, unpinned.GetProperty("serving").GetString());
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task At_phone_width_the_table_and_sample_rows_fit_without_widening_the_page()
    {
        await using var session = await site.OpenAsync(BrowserSession.Phone);
        await session.GotoAsync();
        var page = session.Page;

        await page.GetByLabel($"Compare run {site.First.Id}").CheckAsync();
        await page.GetByLabel($"Compare run {site.Second.Id}").CheckAsync();

        await Expect(page.Locator("#lab-samples .sample-row[data-model-version]")).ToHaveCountAsync(2);
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than the phone viewport.");
        var digitWidth = await page.Locator("#lab-samples canvas").First.EvaluateAsync<double>("c => c.getBoundingClientRect().width");
        output.WriteLine($"A sample digit at phone width: {digitWidth:F0} px");
        Assert.True(digitWidth >= 28, $"Sample digits shrank to {digitWidth:F0} px.");
        Assert.Empty(session.Errors);
        await session.ScreenshotAsync("phone-compare", "#lab");
    }

    private async Task<JsonElement> ServingAsync() =>
        await site.Service.Client.GetFromJsonAsync<JsonElement>("/serving");

    /// <summary>Every pixel of the row's eight canvases, as the page drew them.</summary>
    private static async Task<int[]> RowPixelsAsync(ILocator row) =>
        await row.EvaluateAsync<int[]>(
            "r => [...r.querySelectorAll('canvas')].flatMap(c => [...c.getContext('2d').getImageData(0, 0, c.width, c.height).data].filter((_, i) => i % 4 === 0))");
}
