using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using VaeWeb.Serving;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Tests.Serving;

/// <summary>Two finished runs of different latent sizes, shared by the tests that only read from them.</summary>
public sealed class TwoRunsFixture : IAsyncLifetime
{
    public ConfiguredFactory Factory { get; } = new(new Dictionary<string, string?> { ["Vae:Serving:CachedModels"] = "2" });

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Latent 4, two epochs.</summary>
    public RunStatus Small { get; private set; } = null!;

    /// <summary>Latent 8, two epochs, trained second (so it is the newest).</summary>
    public RunStatus Large { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        Small = await Factory.TrainAsync(Client, new { epochs = 2, seed = 1, latentDim = 4 });
        Large = await Factory.TrainAsync(Client, new { epochs = 2, seed = 2, latentDim = 8 });
        if (Small.State != RunState.Completed || Large.State != RunState.Completed)
        {
            throw new InvalidOperationException($"The fixture's runs ended {Small.State} and {Large.State}.");
        }
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

public class ModelSelectionTests(TwoRunsFixture runs) : IClassFixture<TwoRunsFixture>
{
    private HttpClient Client => runs.Client;

    private static async Task<(string Version, int LatentDim)> SampleAsync(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/samples?n=2&seed=5&format=json{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var version = response.Headers.GetValues("X-Model-Version").Single();
        Assert.Equal(version, body.RootElement.GetProperty("modelVersion").GetString());
        return (version, body.RootElement.GetProperty("latentDim").GetInt32());
    }

    [Fact]
    public async Task Without_model_the_newest_run_answers_and_a_run_id_picks_that_runs_last_epoch()
    {
        Assert.Equal(($"{runs.Large.RunId}.e2", 8), await SampleAsync(Client, ""));
        Assert.Equal(($"{runs.Small.RunId}.e2", 4), await SampleAsync(Client, $"&model={runs.Small.RunId}"));
        Assert.Equal(($"{runs.Large.RunId}.e2", 8), await SampleAsync(Client, $"&model={runs.Large.RunId}"));
    }

    [Fact]
    public async Task A_version_picks_that_epochs_checkpoint()
    {
        var (version, latent) = await SampleAsync(Client, $"&model={runs.Small.RunId}.e1");

        Assert.Equal($"{runs.Small.RunId}.e1", version);
        Assert.Equal(4, latent);
    }

    [Fact]
    public async Task The_same_model_and_seed_give_the_same_bytes_whether_named_or_served()
    {
        var served = await Client.GetByteArrayAsync("/samples?n=4&seed=9");
        var named = await Client.GetByteArrayAsync($"/samples?n=4&seed=9&model={runs.Large.RunId}.e2");
        var other = await Client.GetByteArrayAsync($"/samples?n=4&seed=9&model={runs.Small.RunId}");

        Assert.Equal(served, named);
        Assert.NotEqual(served, other);
    }

    [Fact]
    public async Task Every_model_endpoint_takes_model()
    {
        var small = runs.Small.RunId;
        using var model = await Client.GetAsync($"/model?model={small}");
        using var modelBody = JsonDocument.Parse(await model.Content.ReadAsStringAsync());
        Assert.Equal($"{small}.e2", model.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal(4, modelBody.RootElement.GetProperty("latentDim").GetInt32());

        var pixels = Enumerable.Range(0, 784).Select(i => i % 7 == 0 ? 1.0 : 0.0).ToArray();
        using var encode = await Client.PostAsJsonAsync($"/encode?model={small}", new { pixels });
        using var encoded = JsonDocument.Parse(await encode.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, encode.StatusCode);
        Assert.Equal(4, encoded.RootElement.GetProperty("mu").GetArrayLength());

        using var decode = await Client.PostAsJsonAsync($"/decode?model={small}&format=json", new { z = new[] { 0.1, -0.2, 0.3, 0.0 } });
        Assert.Equal(HttpStatusCode.OK, decode.StatusCode);
        Assert.Equal($"{small}.e2", decode.Headers.GetValues("X-Model-Version").Single());

        // A latent vector of the newest run's size is the wrong size for the small run: its own error, naming z.
        using var wrong = await Client.PostAsJsonAsync($"/decode?model={small}", new { z = new double[8] });
        Assert.Contains("4", await wrong.AssertInvalidFieldAsync("z"), StringComparison.Ordinal);

        foreach (var path in new[] { "/latent-map?format=json", "/reconstruct?format=json" })
        {
            using var response = path.StartsWith("/latent-map", StringComparison.Ordinal)
                ? await Client.GetAsync($"{path}&model={small}")
                : await Client.PostAsJsonAsync($"{path}&model={small}", new { pixels });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal($"{small}.e2", response.Headers.GetValues("X-Model-Version").Single());
        }
    }

    [Fact]
    public async Task An_unknown_run_or_epoch_is_a_404_naming_model_and_a_malformed_name_a_400()
    {
        using var unknownRun = await Client.GetAsync("/samples?n=1&model=20990101-000000-abcd");
        var problem = await unknownRun.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.True(problem.GetProperty("errors").TryGetProperty("model", out _));
        Assert.Contains("GET /runs", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var unknownEpoch = await Client.GetAsync($"/samples?n=1&model={runs.Small.RunId}.e9");
        var epochProblem = await unknownEpoch.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains($"{runs.Small.RunId}.e2", epochProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var malformed = await Client.GetAsync("/samples?n=1&model=..%2Fetc");
        Assert.Contains("run id", await malformed.AssertInvalidFieldAsync("model"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loaded_models_stay_within_the_configured_count()
    {
        var cache = runs.Factory.Services.GetRequiredService<ModelCache>();
        foreach (var name in new[] { $"{runs.Small.RunId}.e1", $"{runs.Small.RunId}.e2", $"{runs.Large.RunId}.e1", $"{runs.Small.RunId}.e1" })
        {
            await SampleAsync(Client, $"&model={name}");
            Assert.True(cache.Versions.Count <= 2, $"at most 2 models besides the serving one, held: {string.Join(", ", cache.Versions)}");
        }

        // Least recently used out: the last one asked for is held, the oldest asked for is not.
        Assert.Equal($"{runs.Small.RunId}.e1", cache.Versions[0]);
        Assert.DoesNotContain($"{runs.Small.RunId}.e2", cache.Versions);
        Assert.Contains("vaeweb_models_cached 2\n", await Client.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }
}

public class ServingPinTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<ServingState> ServingAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<ServingState>("/serving", VaeWebFactory.Json))!;

    private static async Task<string> DefaultVersionAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/samples?n=1&seed=1");
        return response.Headers.GetValues("X-Model-Version").Single();
    }

    [Fact]
    public async Task A_pinned_run_serves_through_new_runs_and_restarts_until_unpinned()
    {
        using var state = new TempDirectory();
        string first, second;
        using (var factory = new VaeWebFactory(state.Path))
        using (var client = factory.CreateClient())
        {
            first = (await factory.TrainAsync(client, new { epochs = 1, seed = 1 })).RunId!;
            using var pin = await client.PutAsync("/serving", Json($$"""{"model": "{{first}}"}"""));
            Assert.Equal(HttpStatusCode.OK, pin.StatusCode);
            Assert.Equal(new ServingState($"{first}.e1", $"{first}.e1"), await pin.Content.ReadFromJsonAsync<ServingState>(VaeWebFactory.Json));

            // A newer run trains and checkpoints, but the pin keeps serving.
            second = (await factory.TrainAsync(client, new { epochs = 1, seed = 2 })).RunId!;
            Assert.Equal($"{first}.e1", await DefaultVersionAsync(client));
            Assert.Equal($"{first}.e1", (await client.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json))!.ModelVersion);
            Assert.Equal($"{second}.e1", (await client.GetFromJsonAsync<RunRecord>($"/runs/{second}", VaeWebFactory.Json))!.Epochs[^1].ModelVersion);
        }

        using (var factory = new VaeWebFactory(state.Path))
        using (var client = factory.CreateClient())
        {
            Assert.Equal(new ServingState($"{first}.e1", $"{first}.e1"), await ServingAsync(client));

            using var unpin = await client.DeleteAsync("/serving");

            Assert.Equal(HttpStatusCode.OK, unpin.StatusCode);
            Assert.Equal(new ServingState(null, $"{second}.e1"), await ServingAsync(client));
            Assert.Equal($"{second}.e1", await DefaultVersionAsync(client));
            Assert.Equal($"{second}.e1", (await client.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json))!.ModelVersion);
        }
    }

    [Fact]
    public async Task Pinning_nothing_or_something_unknown_is_refused_with_what_is_allowed()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var empty = await client.PutAsync("/serving", Json("{}"));
        Assert.Contains("run id", await empty.AssertInvalidFieldAsync("model"), StringComparison.Ordinal);

        using var extra = await client.PutAsync("/serving", Json("""{"model": "x", "epoch": 3}"""));
        await extra.AssertInvalidFieldAsync("epoch");

        using var unknown = await client.PutAsync("/serving", Json("""{"model": "20990101-000000-abcd"}"""));
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(new ServingState(null, null), await ServingAsync(client));
    }

    [Fact]
    public async Task A_serve_only_replica_refuses_to_pin()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Training:Enabled"] = "false" });
        using var client = factory.CreateClient();

        using var pin = await client.PutAsync("/serving", Json("""{"model": "20990101-000000-abcd"}"""));

        var problem = await pin.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("trainer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
