using VaeWeb.E2E.Infrastructure;

namespace VaeWeb.E2E;

public sealed class SmokeTests
{
    [Fact]
    public async Task Chromium_opens_a_blank_page()
    {
        await using var browser = await BrowserSession.LaunchAsync();
        var page = await browser.Browser.NewPageAsync();
        await page.SetContentAsync("<p id=x>hello</p>");
        Assert.Equal("hello", await page.Locator("#x").TextContentAsync());
    }
}
