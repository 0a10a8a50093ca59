using Microsoft.Playwright;
using VaeWeb.E2E.Infrastructure;
using Xunit.Abstractions;

namespace VaeWeb.E2E;

/// <summary>The training panel against a service that has never trained: runs are started from the form.</summary>
public sealed class TrainingPanelTests(FreshSite site, ITestOutputHelper output) : IClassFixture<FreshSite>
{
    [Fact]
    public async Task An_invalid_form_value_shows_the_API_message_beside_the_field()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await page.GetByLabel("Epochs").FillAsync("0");
        await page.GetByLabel("Learning rate").FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();

        await Expect(page.Locator("#error-epochs")).ToHaveTextAsync("epochs must be an integer from 1 to 1000, got 0.");
        await Expect(page.Locator("#error-learningRate")).ToContainTextAsync("learningRate must be a number from");
        await Expect(page.GetByLabel("Epochs")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#train-error")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Starting_a_run_from_the_form_shows_progress_chart_points_and_the_new_model()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await page.GetByLabel("Epochs").FillAsync("3");
        await page.GetByLabel("Seed").First.FillAsync("11");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();

        // Progress arrives from the event stream while the run trains.
        await page.WaitForFunctionAsync("() => document.getElementById('train-progress').value > 0", null, new() { Timeout = 120_000 });
        await page.WaitForFunctionAsync("() => Number(document.getElementById('loss-chart').dataset.points) > 0", null, new() { Timeout = 120_000 });
        await Expect(page.Locator("#train-detail")).ToContainTextAsync("images/s", new() { Timeout = 120_000 });

        await Expect(page.Locator("#train-state")).ToContainTextAsync("completed", new() { Timeout = 180_000 });
        var points = int.Parse(await page.Locator("#loss-chart").GetAttributeAsync("data-points") ?? "0");
        output.WriteLine($"Chart points after a 3-epoch tiny run: {points}");
        Assert.True(points >= 6, $"Expected running and per-epoch points, got {points}.");
        Assert.Equal(1.0, await page.Locator("#train-progress").EvaluateAsync<double>("p => p.value"));

        // The new model is served: the version is shown and the samples redraw by themselves.
        await Expect(page.Locator("#model-version")).ToContainTextAsync(".e3");
        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-model-version", new System.Text.RegularExpressions.Regex(@"\.e3$"));
        await Expect(page.Locator("#runs-table tbody tr")).Not.ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" })).ToBeDisabledAsync();

        await session.ScreenshotAsync("desktop-training-after-run", "#training");
    }

    [Fact]
    public async Task Cancel_stops_the_active_run()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await page.GetByLabel("Epochs").FillAsync("200");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();
        await Expect(page.Locator("#train-state")).ToContainTextAsync("running", new() { Timeout = 60_000 });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start run" })).ToBeDisabledAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();

        await Expect(page.Locator("#train-state")).ToContainTextAsync("cancelled", new() { Timeout = 60_000 });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Start run" })).ToBeEnabledAsync();
        await Expect(page.Locator("#runs-table tbody")).ToContainTextAsync("cancelled");
        Assert.Empty(session.Errors);
    }
}
