using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Operations;

public class AccessTests
{
    private const string Key = "test-key-7f3a9c-do-not-log";

    private static Dictionary<string, string?> WithKey(bool reads = false) => new()
    {
        ["Vae:Security:ApiKey"] = Key,
        ["Vae:Security:RequireKeyForReads"] = reads ? "true" : "false",
    };

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData(Key + "x")]
    public async Task Training_control_without_the_right_key_is_401_and_the_key_is_never_logged(string? sent)
    {
        using var factory = new ConfiguredFactory(WithKey());
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/train") { Content = JsonContent.Create(new { epochs = 1 }) };
        if (sent is not null)
        {
            request.Headers.Add("X-Api-Key", sent);
        }

        using var response = await client.SendAsync(request);
        using var cancel = await client.DeleteAsync("/train");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, cancel.StatusCode);
        Assert.DoesNotContain(await response.Content.ReadAsStringAsync(), Key, StringComparison.Ordinal);
        Assert.DoesNotContain(factory.Logs, l => l.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Evaluation_is_training_control_and_needs_the_key()
    {
        using var factory = new ConfiguredFactory(WithKey());
        using var client = factory.CreateClient();

        using var response = await client.PostAsJsonAsync("/evaluate", new { k = 1 });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Training_control_with_the_key_is_accepted_and_reads_stay_open()
    {
        using var factory = new ConfiguredFactory(WithKey());
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        using var started = await client.PostAsJsonAsync("/train", new { epochs = 1 });
        using var anonymous = factory.CreateClient();
        using var status = await anonymous.GetAsync("/train");
        using var runs = await anonymous.GetAsync("/runs");
        await factory.WaitForStatusAsync(client, s => !s.IsActive);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        Assert.Equal(HttpStatusCode.OK, runs.StatusCode);
        Assert.DoesNotContain(factory.Logs, l => l.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Reads_can_be_put_behind_the_key()
    {
        using var factory = new ConfiguredFactory(WithKey(reads: true));
        using var client = factory.CreateClient();
        using var without = await client.GetAsync("/runs");
        using var samplesWithout = await client.GetAsync("/samples?n=1");
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        using var with = await client.GetAsync("/runs");
        using var health = await factory.CreateClient().GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, samplesWithout.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Remote_training_control_without_a_configured_key_is_refused_but_reads_work()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>(), remoteAddress: IPAddress.Parse("203.0.113.9"));
        using var client = factory.CreateClient();
        using var start = await client.PostAsJsonAsync("/train", new { epochs = 1 });
        using var status = await client.GetAsync("/train");

        Assert.Equal(HttpStatusCode.Forbidden, start.StatusCode);
        Assert.Contains("Vae:Security:ApiKey", await start.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
    }

    [Fact]
    public async Task Remote_training_control_with_a_configured_key_works()
    {
        using var factory = new ConfiguredFactory(WithKey(), remoteAddress: IPAddress.Parse("203.0.113.9"));
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        using var start = await client.PostAsJsonAsync("/train", new { epochs = 1 });
        await factory.WaitForStatusAsync(client, s => !s.IsActive);

        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_declares_the_api_key_scheme_on_training_control()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json")).RootElement;

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        var post = document.GetProperty("paths").GetProperty("/train").GetProperty("post");
        Assert.True(post.GetProperty("security")[0].TryGetProperty("ApiKey", out _));
        Assert.True(post.GetProperty("responses").TryGetProperty("401", out _));
    }

    [Fact]
    public async Task In_production_an_unexpected_error_is_a_problem_without_exception_details()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>(), environment: "Production");
        using var client = factory.CreateClient();
        using (var warmUp = await client.GetAsync("/runs"))
        {
            Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        }

        // A damaged history row makes GET /runs fail inside the handler.
        using (var connection = new SqliteConnection($"Data Source={Path.Combine(factory.StateDirectory, "runs.db")};Pooling=false"))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO runs (id, state, dataset, parameters, created_at) VALUES ('broken', 'completed', 'tiny', '{not json', '2026-01-01T00:00:00Z')";
            insert.ExecuteNonQuery();
        }

        using var response = await client.GetAsync("/runs");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("JsonException", body, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", body, StringComparison.Ordinal);
        Assert.DoesNotContain("RunStore", body, StringComparison.Ordinal);
    }
}
