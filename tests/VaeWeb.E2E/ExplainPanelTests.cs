using Microsoft.Playwright;
using VaeWeb.E2E.Infrastructure;

namespace VaeWeb.E2E;

/// <summary>The "One digit through the VAE" panel against a service that has finished one tiny run.</summary>
[Collection(TrainedSiteCollection.Name)]
public sealed class ExplainPanelTests(TrainedSite site)
{
    [Fact]
    public async Task Scrolling_to_the_panel_explains_test_digit_0_with_typeset_equations_and_no_console_errors()
    {
        await using var session = await site.OpenAsync();
        // The page's CSP has no 'unsafe-inline' styles: any inline style KaTeX wrote as markup would be refused here.
        await session.Page.AddInitScriptAsync("window.cspViolations = []; document.addEventListener('securitypolicyviolation', e => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));");
        var page = await OpenPanelAsync(session);

        await Expect(page.Locator("#explain-equations")).ToHaveAttributeAsync("data-rendered", "katex");
        // Eight equations, each typeset by KaTeX (HTML and MathML), with this digit's numbers in them.
        Assert.Equal(8, await page.Locator("#explain-equations .formula .katex-html").CountAsync());
        var identity = await page.Locator("#explain-equations .formula").Last.Locator("annotation").TextContentAsync();
        Assert.Contains("IWAE", identity);
        Assert.Contains("gap", identity);
        Assert.Equal(16, await page.Locator("#explain-strip canvas").CountAsync());
        await Expect(page.Locator("#explain-x-caption")).ToContainTextAsync("test #0");
        await Expect(page.Locator("#explain-gap")).ToContainTextAsync("gap");
        // KaTeX's fonts came from the site and rendered: a typeset fraction is taller than a line of text.
        var height = await page.Locator("#explain-equations .formula").Nth(6).EvaluateAsync<double>("e => e.getBoundingClientRect().height");
        Assert.True(height > 30, $"IWAE equation is {height} px tall");
        Assert.Empty(await page.EvaluateAsync<string[]>("() => window.cspViolations"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.vaeweb.map.marks.has('explained')"), "μ is not marked on the latent map.");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Draw_epsilon_again_redraws_z_and_the_decodes_with_the_next_seed()
    {
        await using var session = await site.OpenAsync();
        var page = await OpenPanelAsync(session);
        var z = await DataUrl(page, "#explain-z");
        var firstDecode = await DataUrl(page, "#explain-strip canvas");
        var mu = await DataUrl(page, "#explain-mu");

        await page.GetByRole(AriaRole.Button, new() { Name = "Draw ε again" }).ClickAsync();
        await Expect(page.Locator("#explain")).ToHaveAttributeAsync("data-seed", "1");

        Assert.NotEqual(z, await DataUrl(page, "#explain-z"));
        Assert.NotEqual(firstDecode, await DataUrl(page, "#explain-strip canvas"));
        Assert.Equal(mu, await DataUrl(page, "#explain-mu")); // the encoder is deterministic: same μ and σ
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task All_dimensions_are_shown_on_demand()
    {
        await using var session = await site.OpenAsync();
        var page = await OpenPanelAsync(session);
        await Expect(page.Locator("#explain-mu")).ToHaveAttributeAsync("data-rows", "4");

        await page.GetByRole(AriaRole.Button, new() { Name = "Show all 8 dimensions" }).ClickAsync();

        await Expect(page.Locator("#explain-mu")).ToHaveAttributeAsync("data-rows", "8");
        await Expect(page.Locator("#explain-all")).ToHaveAttributeAsync("aria-pressed", "true");
        var height = await page.Locator("#explain-mu").EvaluateAsync<double>("c => c.getBoundingClientRect().height");
        Assert.True(height >= 8 * 16, $"8 rows in {height} px");
    }

    [Fact]
    public async Task A_digit_clicked_on_the_map_and_the_drawing_are_explained()
    {
        await using var session = await site.OpenAsync();
        var page = await OpenPanelAsync(session);

        var index = await ClickDigitAsync(page, 5);
        await Expect(page.Locator("#explain")).ToHaveAttributeAsync("data-index", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.Locator("#explain-x-caption")).ToContainTextAsync($"test #{index}");

        await DrawSevenAsync(page);
        await Expect(page.Locator("#draw-recon")).ToHaveAttributeAsync("data-model-version", new System.Text.RegularExpressions.Regex(".+"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Use the drawing" }).ClickAsync();
        await Expect(page.Locator("#explain")).ToHaveAttributeAsync("data-source", "upload");
        await Expect(page.Locator("#explain-x-caption")).ToContainTextAsync("the drawing");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task A_test_index_beyond_the_split_shows_the_servers_message()
    {
        await using var session = await site.OpenAsync();
        var page = await OpenPanelAsync(session);

        await page.Locator("#explain-form").GetByLabel("Test index").FillAsync("99999");
        await page.Locator("#explain-form").GetByRole(AriaRole.Button, new() { Name = "Explain" }).ClickAsync();

        await Expect(page.Locator("#explain-error")).ToContainTextAsync("index must be from 0 to");
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task The_panel_fits_the_screen_and_is_photographed(string device)
    {
        await using var session = await site.OpenAsync(device == "phone" ? BrowserSession.Phone : BrowserSession.Desktop);
        await OpenPanelAsync(session);

        var overflow = await session.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than the {device} viewport.");
        await session.ScreenshotAsync($"{device}-explain", "#explain");
        Assert.Empty(session.Errors);
    }

    /// <summary>Opens the page and scrolls to the panel, which explains test digit 0 when it comes into view.</summary>
    private static async Task<IPage> OpenPanelAsync(PageSession session)
    {
        await session.GotoAsync();
        var page = session.Page;
        await page.Locator("#explain").ScrollIntoViewIfNeededAsync();
        await Expect(page.Locator("#explain")).ToHaveAttributeAsync("data-model-version", new System.Text.RegularExpressions.Regex(".+"), new() { Timeout = 15_000 });
        return page;
    }

    private static Task<string> DataUrl(IPage page, string selector) => page.Locator(selector).First.EvaluateAsync<string>("c => c.toDataURL()");

    /// <summary>Clicks the map where the test digit listed <paramref name="point"/>-th sits; returns its test index.</summary>
    private static async Task<int> ClickDigitAsync(IPage page, int point)
    {
        await page.Locator("#map").ScrollIntoViewIfNeededAsync();
        var at = await page.EvaluateAsync<float[]>(
            """
            (i) => {
              const canvas = document.getElementById('map');
              const { points, bounds } = window.vaeweb.map;
              const p = points[i];
              const r = canvas.getBoundingClientRect();
              return [(p.x - bounds.x0) / (bounds.x1 - bounds.x0) * r.width, (bounds.y1 - p.y) / (bounds.y1 - bounds.y0) * r.height, p.index];
            }
            """,
            point);
        await page.Locator("#map").ClickAsync(new() { Position = new() { X = at[0], Y = at[1] } });
        // Another digit may lie closer to that spot: the map says which one it picked.
        await page.WaitForFunctionAsync("() => window.vaeweb.map.picked !== null");
        return await page.EvaluateAsync<int>("() => window.vaeweb.map.picked.index");
    }

    private static async Task DrawSevenAsync(IPage page)
    {
        await page.Locator("#draw-canvas").ScrollIntoViewIfNeededAsync();
        var box = (await page.Locator("#draw-canvas").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(box.X + box.Width * 0.25f, box.Y + box.Height * 0.2f);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.75f, box.Y + box.Height * 0.2f, new() { Steps = 8 });
        await page.Mouse.MoveAsync(box.X + box.Width * 0.4f, box.Y + box.Height * 0.85f, new() { Steps = 12 });
        await page.Mouse.UpAsync();
    }
}
