using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using VaeWeb.E2E.Infrastructure;

namespace VaeWeb.E2E;

/// <summary>
/// A service run as the README runs it (no key, loopback trusted), a page of another site served
/// from another loopback port, and a browser that resolves a made-up name to loopback as a DNS
/// rebinding attack makes it do. The attacks must start nothing; the explorer's own page must
/// still start and cancel runs.
/// </summary>
public sealed class CrossSiteAttackTests(CrossSiteAttackTests.AttackSite site) : IClassFixture<CrossSiteAttackTests.AttackSite>
{
    public const string RebindHost = "rebind.test";

    [Fact]
    public async Task A_page_on_another_port_cannot_start_a_run_with_a_no_cors_post()
    {
        await using var session = await site.Browser.OpenAsync(site.EvilOrigin);
        await session.Page.GotoAsync("/attack.html");

        await session.Page.WaitForFunctionAsync("() => window.attack && window.attack.done");
        var outcome = await session.Page.EvaluateAsync<JsonElement>("() => window.attack");

        // The browser sent both requests (an opaque answer is all a no-cors fetch sees) ...
        Assert.Equal("sent", outcome.GetProperty("noCors").GetString());
        Assert.Equal("sent", outcome.GetProperty("form").GetString());
        // ... and the service refused them: no run exists, nothing trains.
        await AssertNothingStartedAsync();
        Assert.Contains("Cross-site request refused", await LastRefusalAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rebound_host_name_reaches_the_service_but_is_refused_and_starts_nothing()
    {
        // The page believes it is on rebind.test:<service port>, so to the browser the service is
        // same-origin: it can send anything and read every answer. Only the Host name gives it away.
        var rebound = new Uri($"http://{RebindHost}:{site.Service.BaseAddress.Port}/");
        await using var session = await site.Browser.OpenAsync(rebound);
        await session.Page.RouteAsync(rebound + "start.html", route => route.FulfillAsync(new()
        {
            ContentType = "text/html",
            Body = "<!doctype html><title>rebound</title><script>" + AttackSite.RebindScript + "</script>",
        }));
        await session.Page.GotoAsync("/start.html");

        await session.Page.WaitForFunctionAsync("() => window.attack && window.attack.done");
        var outcome = await session.Page.EvaluateAsync<JsonElement>("() => window.attack");

        Assert.False(outcome.TryGetProperty("error", out var error), $"the rebound page could not reach the service: {error}");
        Assert.Equal(400, outcome.GetProperty("post").GetInt32());
        Assert.Equal(400, outcome.GetProperty("read").GetInt32());
        await AssertNothingStartedAsync();
    }

    [Fact]
    public async Task The_explorer_page_on_the_services_own_origin_still_starts_and_cancels_a_run()
    {
        await using var session = await site.Browser.OpenAsync(site.Service.BaseAddress);
        await session.GotoAsync();
        var page = session.Page;

        await page.GetByLabel("Epochs").FillAsync("50");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start run" }).ClickAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('train-progress').value > 0", null, new() { Timeout = 120_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();

        await WaitForStateAsync("cancelled", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(session.Errors, e => e.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        site.OwnRunsStarted++;
    }

    [Fact]
    public async Task The_swagger_ui_works_under_its_own_content_security_policy()
    {
        await using var session = await site.Browser.OpenAsync(site.Service.BaseAddress);
        await session.Page.GotoAsync("/swagger/index.html");

        await Expect(session.Page.Locator(".opblock-summary-path").First).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.True(await session.Page.Locator(".opblock").CountAsync() > 10);
        Assert.Empty(session.Errors);
    }

    private async Task AssertNothingStartedAsync()
    {
        // The attack requests were sent before this point; give a started run time to show itself.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        var runs = JsonDocument.Parse(await site.Service.Client.GetStringAsync("/runs")).RootElement;
        Assert.Equal(site.OwnRunsStarted, runs.GetArrayLength());
        var status = JsonDocument.Parse(await site.Service.Client.GetStringAsync("/train")).RootElement;
        Assert.NotEqual("running", status.GetProperty("state").GetString());
        Assert.NotEqual("queued", status.GetProperty("state").GetString());
    }

    private async Task<string> LastRefusalAsync()
    {
        // What the service answers the same request, read from outside the browser.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/train");
        request.Headers.Add("Origin", site.EvilOrigin.GetLeftPart(UriPartial.Authority));
        using var response = await site.Service.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private async Task WaitForStateAsync(string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = JsonDocument.Parse(await site.Service.Client.GetStringAsync("/train")).RootElement;
            if (status.GetProperty("state").GetString() == state)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the run did not reach '{state}' in {timeout}: {status}");
            await Task.Delay(200);
        }
    }

    private static ILocatorAssertions Expect(ILocator locator) => Assertions.Expect(locator);

    /// <summary>The service, the attacker's site on another loopback port, and the browser.</summary>
    public sealed class AttackSite : IAsyncLifetime
    {
        /// <summary>Sent from the rebound page: a POST that would start a run, and a read of the status.</summary>
        public const string RebindScript = """
            window.attack = { done: false };
            (async () => {
              try {
                const post = await fetch('/train', { method: 'POST' });
                const read = await fetch('/train');
                window.attack = { post: post.status, read: read.status, done: true };
              } catch (e) {
                window.attack = { error: String(e), done: true };
              }
            })();
            """;

        private readonly HttpListener listener = new();
        private Task? serving;

        public ServiceProcess Service { get; private set; } = null!;

        public BrowserSession Browser { get; private set; } = null!;

        public Uri EvilOrigin { get; private set; } = null!;

        /// <summary>Runs the explorer test started on purpose (the attack tests count runs).</summary>
        public int OwnRunsStarted { get; set; }

        public async Task InitializeAsync()
        {
            Service = await ServiceProcess.StartAsync(trainImages: 512);
            // Local Network Access checks off: this Chromium would refuse a request from the
            // route-fulfilled (to it, public) rebound page to loopback, but Firefox, Safari and older
            // browsers do not, and the test is of the service's own defence, not the browser's.
            Browser = await BrowserSession.LaunchAsync($"--host-resolver-rules=MAP {RebindHost} 127.0.0.1", "--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessRespectPreflightResults,BlockInsecurePrivateNetworkRequests");
            var port = ServiceProcess.FreePort();
            EvilOrigin = new Uri($"http://127.0.0.1:{port}/");
            listener.Prefixes.Add(EvilOrigin.ToString());
            listener.Start();
            serving = Task.Run(ServeAsync);
        }

        /// <summary>The attacker's page: the two requests any site can make a visitor's browser send.</summary>
        private string AttackPage() => $$"""
            <!doctype html><title>cute cats</title>
            <form id="f" method="post" action="{{Service.BaseAddress}}train" target="sink"></form>
            <iframe name="sink"></iframe>
            <script>
              window.attack = { done: false };
              (async () => {
                const result = {};
                try { await fetch('{{Service.BaseAddress}}train', { method: 'POST', mode: 'no-cors' }); result.noCors = 'sent'; }
                catch (e) { result.noCors = 'failed: ' + e; }
                const sink = document.querySelector('iframe');
                await new Promise(resolve => { sink.addEventListener('load', resolve, { once: true }); document.getElementById('f').submit(); });
                result.form = 'sent';
                window.attack = { ...result, done: true };
              })();
            </script>
            """;

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (!listener.IsListening)
                {
                    return;
                }

                var body = Encoding.UTF8.GetBytes(AttackPage());
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.StatusCode = context.Request.Url?.AbsolutePath == "/attack.html" ? 200 : 404;
                await context.Response.OutputStream.WriteAsync(body);
                context.Response.Close();
            }
        }

        public async Task DisposeAsync()
        {
            listener.Stop();
            listener.Close();
            if (serving is not null)
            {
                await serving;
            }

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
}
