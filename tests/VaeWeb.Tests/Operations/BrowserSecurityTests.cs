using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Operations;

/// <summary>
/// A web page the user happens to visit cannot drive their service: cross-site requests, DNS
/// rebinding (a foreign Host name) and proxied clients, with the default settings of a local run.
/// </summary>
public class BrowserSecurityTests
{
    private static HttpRequestMessage Post(string path, string? origin = null, string? fetchSite = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        return request;
    }

    private static async Task<int> RunCount(HttpClient client)
    {
        var runs = await client.GetFromJsonAsync<JsonElement>("/runs");
        return runs.GetArrayLength();
    }

    [Theory]
    [InlineData("http://evil.example", null)]
    [InlineData("http://localhost:9999", "same-site")]
    [InlineData("null", "cross-site")]
    [InlineData(null, "cross-site")]
    public async Task A_post_from_another_sites_page_is_403_and_starts_no_run(string? origin, string? fetchSite)
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>());
        using var client = factory.CreateClient();

        using var response = await client.SendAsync(Post("/train", origin, fetchSite));

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("Cross-site request refused", problem.GetProperty("title").GetString());
        Assert.Contains("Vae:Security:AllowedOrigins", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await RunCount(client));
    }

    [Fact]
    public async Task Cancelling_and_evaluating_from_another_origin_are_refused_too()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>());
        using var client = factory.CreateClient();
        using var cancel = new HttpRequestMessage(HttpMethod.Delete, "/train");
        cancel.Headers.Add("Origin", "http://evil.example");
        using var evaluate = Post("/evaluate", "http://evil.example");
        evaluate.Content = JsonContent.Create(new { k = 1 });

        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(evaluate)).StatusCode);
    }

    [Fact]
    public async Task The_services_own_page_and_clients_without_browser_headers_still_control_training()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>());
        using var client = factory.CreateClient();

        using var own = Post("/train", origin: "http://localhost", fetchSite: "same-origin");
        own.Content = JsonContent.Create(new { epochs = 1 });
        using var started = await client.SendAsync(own);
        using var cancelled = await client.DeleteAsync("/train");

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        Assert.Equal(1, await RunCount(client));
    }

    [Fact]
    public async Task An_origin_in_the_allowed_list_may_send_control_requests()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Security:AllowedOrigins:0"] = "https://lab.example/" });
        using var client = factory.CreateClient();
        using var cancel = new HttpRequestMessage(HttpMethod.Delete, "/train");
        cancel.Headers.Add("Origin", "https://lab.example");
        cancel.Headers.Add("Sec-Fetch-Site", "cross-site");

        using var response = await client.SendAsync(cancel);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // past the guard: there is just no run to cancel
    }

    [Theory]
    [InlineData("attacker.example", HttpStatusCode.BadRequest)]
    [InlineData("attacker.example:5080", HttpStatusCode.BadRequest)]
    [InlineData("localhost.attacker.example", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1:5080", HttpStatusCode.OK)]
    [InlineData("[::1]:5080", HttpStatusCode.OK)]
    public async Task Only_the_host_names_of_a_local_run_are_served_and_any_other_is_400(string host, HttpStatusCode expected)
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>());
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/train");
        request.Headers.Host = host;

        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/train")]
    [InlineData("/no-such-page")]
    public async Task Every_response_carries_the_browser_security_headers(string path)
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>());
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(path);

        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task The_swagger_ui_has_its_own_policy_and_cannot_be_framed_either()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>());
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/swagger/index.html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Behind_a_known_proxy_a_forwarded_remote_client_without_a_key_cannot_control_training()
    {
        using var factory = new ConfiguredFactory(
            new Dictionary<string, string?> { ["Vae:Security:KnownProxies:0"] = "127.0.0.1" },
            remoteAddress: IPAddress.Loopback);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/train") { Content = JsonContent.Create(new { epochs = 1 }) };
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("Training control is limited to this machine", problem.GetProperty("title").GetString());
        Assert.Equal(0, await RunCount(client));
    }

    [Fact]
    public async Task Without_known_proxies_forwarded_headers_are_ignored()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>(), remoteAddress: IPAddress.Loopback);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/train");
        request.Headers.Add("X-Forwarded-For", "203.0.113.9");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode); // treated as the loopback peer it is
    }
}
