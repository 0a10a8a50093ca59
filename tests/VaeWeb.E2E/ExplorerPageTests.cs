using Microsoft.Playwright;
using VaeWeb.E2E.Infrastructure;
using Xunit.Abstractions;

namespace VaeWeb.E2E;

/// <summary>The explorer page against a service that has finished one tiny run; these tests only read from the model.</summary>
[Collection(TrainedSiteCollection.Name)]
public sealed class ExplorerPageTests(TrainedSite site, ITestOutputHelper output)
{
    [Fact]
    public async Task Page_loads_with_every_panel_and_no_console_errors()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();

        await Expect(session.Page.Locator("#model-version")).Not.ToHaveTextAsync("none yet");
        Assert.True(int.Parse(await session.Page.Locator("#map").GetAttributeAsync("data-points") ?? "0") > 0, "The latent map has no points.");
        Assert.True(await session.Page.Locator("#dims-sliders input[type=range]").CountAsync() > 0, "No dimension sliders.");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task First_load_transfers_under_300_KB()
    {
        await using var session = await site.OpenAsync();
        var sizes = new List<Task<(string Url, long Bytes)>>();
        session.Page.RequestFinished += (_, request) => sizes.Add(SizeOf(request));
        await session.GotoAsync();

        var finished = await Task.WhenAll(sizes);
        var total = finished.Sum(s => s.Bytes);
        foreach (var (url, bytes) in finished.OrderByDescending(s => s.Bytes))
        {
            output.WriteLine($"{bytes,8} B  {url}");
        }

        output.WriteLine($"First load: {finished.Length} requests, {total} bytes ({total / 1024.0:F1} KB) including headers.");
        Assert.InRange(total, 1, 300 * 1024);
    }

    [Fact]
    public async Task Samples_grid_image_natural_size_matches_n()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await page.GetByLabel("n", new() { Exact = true }).FillAsync("10");
        await page.Locator("#samples-form").GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Expect(page.Locator("#samples-img")).ToHaveAttributeAsync("data-n", "10");

        // 10 tiles of 28×28 in a near-square grid: 4 columns, 3 rows.
        var size = await page.Locator("#samples-img").EvaluateAsync<int[]>("img => [img.naturalWidth, img.naturalHeight]");
        Assert.Equal([4 * 28, 3 * 28], size);
        Assert.StartsWith("blob:", await page.Locator("#samples-download").GetAttributeAsync("href"));
    }

    [Fact]
    public async Task Clicking_the_map_changes_the_preview()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;
        var map = page.Locator("#map");
        var box = (await map.BoundingBoxAsync())!;

        var blank = await Preview(page);
        await map.ClickAsync(new() { Position = new() { X = box.Width * 0.3f, Y = box.Height * 0.4f } });
        await page.WaitForFunctionAsync($"() => document.getElementById('preview').toDataURL() !== {Js(blank)}");
        var first = await Preview(page);

        await map.ClickAsync(new() { Position = new() { X = box.Width * 0.75f, Y = box.Height * 0.7f } });
        await page.WaitForFunctionAsync($"() => document.getElementById('preview').toDataURL() !== {Js(first)}");
        Assert.NotEqual(first, await Preview(page));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Arrow_keys_on_the_map_decode_and_Enter_compares_the_nearest_digit()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await page.Locator("#map").FocusAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Expect(page.Locator("#preview")).ToHaveAttributeAsync("data-updates", "1");
        await page.Keyboard.PressAsync("ArrowUp");
        await Expect(page.Locator("#preview")).ToHaveAttributeAsync("data-updates", "2");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#compare")).ToBeVisibleAsync();
        await Expect(page.Locator("#compare-original-caption")).ToContainTextAsync("Test #");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Clicking_a_data_point_shows_the_original_beside_its_reconstruction()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await ClickFirstDigitAsync(page);

        await Expect(page.Locator("#compare")).ToBeVisibleAsync();
        await Expect(page.Locator("#compare-original-caption")).ToContainTextAsync("Test #");
        await Expect(page.Locator("#compare-recon-caption")).ToContainTextAsync("Reconstruction");
        Assert.True(await Lit(page, "#compare-recon"), "The reconstruction canvas is black.");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Dragging_on_the_map_updates_the_preview_continuously()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;
        await page.Locator("#map").ScrollIntoViewIfNeededAsync();
        var box = (await page.Locator("#map").BoundingBoxAsync())!;
        var (cx, cy, r) = (box.X + box.Width / 2, box.Y + box.Height / 2, box.Width * 0.35f);

        await page.Mouse.MoveAsync(cx + r, cy);
        await page.Mouse.DownAsync();
        // The press decodes too: let that answer land before counting, or it counts as one more.
        var before = await page.EvaluateAsync<int>("() => window.vaeweb.decoder.updates");
        for (var settled = 0; settled < 3; settled++)
        {
            await Task.Delay(100);
            var now = await page.EvaluateAsync<int>("() => window.vaeweb.decoder.updates");
            settled = now == before ? settled : 0;
            before = now;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var moves = 0;
        // Pointer moves paced at 60 a second (a display's rate) for three seconds, circling the map
        // like a hand would; when the browser is slower to take them, they follow back to back.
        while (clock.Elapsed < TimeSpan.FromSeconds(3))
        {
            var angle = clock.Elapsed.TotalSeconds * 2 * Math.PI / 1.5;
            await page.Mouse.MoveAsync(cx + r * (float)Math.Cos(angle), cy + r * (float)Math.Sin(angle));
            moves++;
            var wait = TimeSpan.FromSeconds(moves / 60.0) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var updates = await page.EvaluateAsync<int>("() => window.vaeweb.decoder.updates") - before;
        await page.Mouse.UpAsync();

        output.WriteLine($"Drag through Playwright's mouse: {moves} pointer moves in {seconds:F2} s ({moves / seconds:F1}/s); {updates} preview updates = {updates / seconds:F1} updates/s.");
        Assert.True(updates > 1, $"The preview updated {updates} times during a {seconds:F1} s drag.");
        Assert.True(updates <= moves + 1, "More decodes than pointer moves: requests are not being coalesced.");

        // The same drag generated inside the page, one pointer move per animation frame, so the
        // input rate is the display's and not the test driver's round trip.
        var inPage = await page.EvaluateAsync<double[]>(
            """
            async () => {
              const canvas = document.getElementById('map');
              const r = canvas.getBoundingClientRect();
              const start = window.vaeweb.decoder.updates;
              const t0 = performance.now();
              let moves = 0;
              const fire = (type, t) => canvas.dispatchEvent(new PointerEvent(type, {
                bubbles: true, pointerId: 1, pointerType: 'mouse', buttons: 1,
                clientX: r.left + r.width * (0.5 + 0.35 * Math.cos(t * 4)), clientY: r.top + r.height * (0.5 + 0.35 * Math.sin(t * 4)) }));
              while (performance.now() - t0 < 3000) {
                await new Promise(requestAnimationFrame);
                fire('pointermove', (performance.now() - t0) / 1000);
                moves++;
              }
              const seconds = (performance.now() - t0) / 1000;
              return [moves, seconds, window.vaeweb.decoder.updates - start];
            }
            """);
        output.WriteLine($"Drag inside the page: {inPage[0]} pointer moves in {inPage[1]:F2} s ({inPage[0] / inPage[1]:F1}/s); {inPage[2]} preview updates = {inPage[2] / inPage[1]:F1} updates/s.");
        Assert.True(inPage[2] > 1, $"The preview updated {inPage[2]} times during the in-page drag.");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Drawing_a_stroke_produces_a_reconstruction_marked_on_the_map()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await DrawOneAsync(page);

        await Expect(page.Locator("#draw-recon")).ToHaveAttributeAsync("data-model-version", new System.Text.RegularExpressions.Regex(".+"));
        Assert.True(await Lit(page, "#draw-recon"), "The reconstruction of the drawing is black.");
        var mu = await page.EvaluateAsync<int>("() => window.vaeweb.store.drawing.mu.length");
        Assert.Equal(8, mu);
        Assert.True(await page.EvaluateAsync<bool>("() => window.vaeweb.map.marks.has('drawing')"), "The drawing is not marked on the map.");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Drawing_with_a_finger_at_phone_width_produces_a_reconstruction()
    {
        await using var session = await site.OpenAsync(BrowserSession.Phone);
        await session.GotoAsync();
        var page = session.Page;
        var canvas = page.Locator("#draw-canvas");
        await canvas.ScrollIntoViewIfNeededAsync();
        var box = (await canvas.BoundingBoxAsync())!;

        // Real touch events through the DevTools protocol: Playwright's API has taps but no touch drags.
        var cdp = await session.Context.NewCDPSessionAsync(page);
        async Task Touch(string type, float x, float y) =>
            await cdp.SendAsync("Input.dispatchTouchEvent", new Dictionary<string, object>
            {
                ["type"] = type,
                ["touchPoints"] = type == "touchEnd" ? Array.Empty<object>() : new object[] { new Dictionary<string, object> { ["x"] = x, ["y"] = y } },
            });
        await Touch("touchStart", box.X + box.Width * 0.5f, box.Y + box.Height * 0.15f);
        for (var i = 1; i <= 12; i++)
        {
            await Touch("touchMove", box.X + box.Width * 0.5f, box.Y + box.Height * (0.15f + 0.06f * i));
        }

        await Touch("touchEnd", 0, 0);

        await Expect(page.Locator("#draw-recon")).ToHaveAttributeAsync("data-model-version", new System.Text.RegularExpressions.Regex(".+"));
        Assert.True(await Lit(page, "#draw-recon"), "The reconstruction of the drawing is black.");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task Interpolation_strip_has_the_requested_number_of_steps()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await page.Locator("#interp-form").GetByLabel("Steps").FillAsync("7");
        await page.Locator("#interp-form").GetByLabel("Method").SelectOptionAsync("lerp");
        await page.Locator("#interp-form").GetByRole(AriaRole.Button, new() { Name = "Interpolate" }).ClickAsync();

        await Expect(page.Locator("#interp-strip")).ToHaveAttributeAsync("data-steps", "7");
        await Expect(page.Locator("#interp-strip canvas")).ToHaveCountAsync(7);
        Assert.Equal("6", await page.Locator("#interp-scrub").GetAttributeAsync("max"));
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task At_first_view_the_strip_shows_the_default_walk_and_the_preview_the_digit_nearest_the_centre()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await Expect(page.Locator("#interp-strip canvas")).ToHaveCountAsync(10);
        await Expect(page.Locator("#preview")).ToHaveAttributeAsync("data-centre", new System.Text.RegularExpressions.Regex("^[0-9]+$"));
        await Expect(page.Locator("#preview-info")).ToContainTextAsync("nearest the centre");
        Assert.Empty(session.Errors);
    }

    [Fact]
    public async Task An_out_of_range_interpolation_shows_the_API_message()
    {
        await using var session = await site.OpenAsync();
        await session.GotoAsync();
        var page = session.Page;

        await page.Locator("#interp-form").GetByLabel("Steps").FillAsync("99");
        await page.Locator("#interp-form").GetByRole(AriaRole.Button, new() { Name = "Interpolate" }).ClickAsync();

        await Expect(page.Locator("#interp-error")).ToBeVisibleAsync();
        await Expect(page.Locator("#interp-error")).ToContainTextAsync("steps");
    }

    [Theory]
    [InlineData("desktop")]
    [InlineData("phone")]
    public async Task Every_panel_fits_the_width_and_is_photographed(string device)
    {
        await using var session = await site.OpenAsync(device == "phone" ? BrowserSession.Phone : BrowserSession.Desktop);
        await session.GotoAsync();
        var page = session.Page;

        // Put something in every panel first: a picked digit, a drawing, a strip.
        await ClickFirstDigitAsync(page);
        await Expect(page.Locator("#compare")).ToBeVisibleAsync();
        await DrawOneAsync(page);
        await Expect(page.Locator("#draw-recon")).ToHaveAttributeAsync("data-model-version", new System.Text.RegularExpressions.Regex(".+"));
        await page.Locator("#interp-form").GetByRole(AriaRole.Button, new() { Name = "Interpolate" }).ClickAsync();
        await Expect(page.Locator("#interp-strip")).ToHaveAttributeAsync("data-steps", "10");

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than the {device} viewport.");

        foreach (var panel in new[] { "training", "samples", "latent", "dims", "interp", "draw" })
        {
            await session.ScreenshotAsync($"{device}-{panel}", $"#{panel}");
        }

        await session.ScreenshotAsync($"{device}-page");
        Assert.Empty(session.Errors);
    }

    private static async Task DrawOneAsync(IPage page)
    {
        await page.Locator("#draw-canvas").ScrollIntoViewIfNeededAsync();
        var box = (await page.Locator("#draw-canvas").BoundingBoxAsync())!;
        // A "7": a bar across the top, then a diagonal down to the lower left.
        await page.Mouse.MoveAsync(box.X + box.Width * 0.25f, box.Y + box.Height * 0.2f);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.75f, box.Y + box.Height * 0.2f, new() { Steps = 8 });
        await page.Mouse.MoveAsync(box.X + box.Width * 0.4f, box.Y + box.Height * 0.85f, new() { Steps = 12 });
        await page.Mouse.UpAsync();
    }

    /// <summary>Clicks where the first test digit sits on the map, found from the map's own projection.</summary>
    private static async Task ClickFirstDigitAsync(IPage page)
    {
        var at = await page.EvaluateAsync<float[]>(
            """
            () => {
              const canvas = document.getElementById('map');
              const { points, bounds } = window.vaeweb.map;
              const p = points[0];
              const r = canvas.getBoundingClientRect();
              return [(p.x - bounds.x0) / (bounds.x1 - bounds.x0) * r.width, (bounds.y1 - p.y) / (bounds.y1 - bounds.y0) * r.height];
            }
            """);
        await page.Locator("#map").ClickAsync(new() { Position = new() { X = at[0], Y = at[1] } });
    }

    private static Task<string> Preview(IPage page) => page.EvaluateAsync<string>("() => document.getElementById('preview').toDataURL()");

    /// <summary>Whether a canvas has any clearly non-black pixel.</summary>
    private static Task<bool> Lit(IPage page, string selector) =>
        page.Locator(selector).EvaluateAsync<bool>(
            "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 0; i < d.length; i += 4) if (d[i] > 64) return true; return false; }");

    private static string Js(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static async Task<(string Url, long Bytes)> SizeOf(IRequest request)
    {
        var sizes = await request.SizesAsync();
        return (request.Url, sizes.ResponseBodySize + sizes.ResponseHeadersSize);
    }
}
