using System.Reflection;
using Microsoft.Playwright;

namespace VaeWeb.E2E.Infrastructure;

/// <summary>
/// Debian's Chromium driven headless by Playwright. Playwright's own browser download is not used:
/// the package's driver talks to the system browser at <see cref="ChromiumPath"/>.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 900 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private readonly IPlaywright playwright;

    private BrowserSession(IPlaywright playwright, IBrowser browser)
    {
        this.playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static string ScreenshotDirectory =>
        typeof(BrowserSession).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "ScreenshotDirectory").Value!;

    /// <param name="extraArgs">More Chromium switches, e.g. <c>--host-resolver-rules</c> to point a made-up host name at loopback.</param>
    public static async Task<BrowserSession> LaunchAsync(params string[] extraArgs)
    {
        var executable = Environment.GetEnvironmentVariable("VAEWEB_CHROMIUM") ?? ChromiumPath;
        if (!File.Exists(executable))
        {
            // Fail loudly: a browser test that silently passes without a browser proves nothing.
            throw new InvalidOperationException(
                $"Chromium was not found at {executable}. The browser tests need Debian's Chromium: apt-get install -y chromium " +
                "(or set VAEWEB_CHROMIUM to another Chromium binary).");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", .. extraArgs],
        });
        return new BrowserSession(playwright, browser);
    }

    /// <summary>A fresh context and page at the given size; phone pages get touch and a mobile viewport.</summary>
    public async Task<PageSession> OpenAsync(Uri baseAddress, ViewportSize? viewport = null)
    {
        var size = viewport ?? Desktop;
        var phone = size.Width < 600;
        var context = await Browser.NewContextAsync(new()
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = size,
            IsMobile = phone,
            HasTouch = phone,
            DeviceScaleFactor = 1,
        });
        var page = await context.NewPageAsync();
        return new PageSession(context, page);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        playwright.Dispose();
    }
}

/// <summary>One browser page with every console error and uncaught exception it produced.</summary>
public sealed class PageSession : IAsyncDisposable
{
    private readonly List<string> errors = [];

    public PageSession(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (errors)
                {
                    errors.Add($"console: {message.Text} ({message.Location})");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add($"page error: {error}");
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (errors)
            {
                return [.. errors];
            }
        }
    }

    /// <summary>Opens the page and waits until the script has loaded its first data.</summary>
    public async Task GotoAsync(string path = "/")
    {
        await Page.GotoAsync(path);
        await Page.WaitForFunctionAsync("() => window.vaeweb && window.vaeweb.ready === true", null, new() { Timeout = 30_000 });
    }

    /// <summary>Saves a screenshot of one element (or the page) to the screenshots folder.</summary>
    public async Task ScreenshotAsync(string name, string? selector = null)
    {
        Directory.CreateDirectory(BrowserSession.ScreenshotDirectory);
        var path = Path.Combine(BrowserSession.ScreenshotDirectory, name + ".png");
        if (selector is null)
        {
            await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        }
        else
        {
            await Page.Locator(selector).ScreenshotAsync(new() { Path = path });
        }
    }

    public async ValueTask DisposeAsync() => await Context.CloseAsync();
}
