using Microsoft.Playwright;
using VaeWeb.E2E.Infrastructure;

namespace VaeWeb.E2E;

/// <summary>The training panel against a server whose training control needs an API key.</summary>
public sealed class ProtectedServerTests
{
    private const string Key = "e2e-secret-key";

    [Fact]
    public async Task Starting_a_run_needs_the_key_and_works_once_it_is_typed()
    {
        await using var browser = await BrowserSession.LaunchAsync();
        await using var service = await ServiceProcess.StartAsync(
            trainImages: 512,
            settings: new Dictionary<string, string> { ["Vae__Security__ApiKey"] = Key });
        await using var session = await browser.OpenAsync(service.BaseAddress);
        await session.GotoAsync();
        var page = session.Page;

        await page.GetByLabel("Epochs").FillAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();
        await Expect(page.Locator("#train-error")).ToContainTextAsync("Send the configured API key in the X-Api-Key header.");
        await Expect(page.Locator("#train-error")).ToContainTextAsync("API key field");
        await Expect(page.GetByLabel("API key")).ToBeFocusedAsync();

        await page.GetByLabel("API key").FillAsync(Key);
        await page.GetByLabel("API key").PressAsync("Tab");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();

        await Expect(page.Locator("#train-error")).ToBeHiddenAsync();
        await Expect(page.Locator("#train-state")).ToContainTextAsync("completed", new() { Timeout = 120_000 });
    }
}
