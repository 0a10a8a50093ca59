using System.Net.Http.Json;
using System.Text.Json;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Api;

/// <summary>A service with the sample judge on (tiny: three epochs on the 512 training digits of the slice, 64 draws per sampler).</summary>
public sealed class JudgedServiceFixture : IAsyncLifetime
{
    public JudgedFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public string RunId { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        var run = await Factory.TrainAsync(Client, new { epochs = 2, seed = 3 });
        RunId = run.RunId!;
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        Factory.Dispose();
        return Task.CompletedTask;
    }

    public sealed class JudgedFactory : VaeWebFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Vae:Judge:Enabled", "true"), new("Vae:Judge:Epochs", "3")];
    }
}

public class SampleQualityTests(JudgedServiceFixture service) : IClassFixture<JudgedServiceFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Model_reports_the_judges_scores_for_the_prior_and_the_aggregate_sampler()
    {
        var quality = await PollAsync("/model", root => root.GetProperty("sampleQuality") is var q && q.GetProperty("state").GetString() == "ready" ? q : (JsonElement?)null);

        var report = quality.GetProperty("report");
        Assert.InRange(report.GetProperty("judgeTestAccuracy").GetDouble(), 0.5, 1.0);
        var samplers = report.GetProperty("samplers").EnumerateArray().ToList();
        Assert.Equal(["prior", "aggregate", "aggregate"], samplers.Select(s => s.GetProperty("sampler").GetString()));
        foreach (var sampler in samplers)
        {
            var scores = sampler.GetProperty("scores");
            Assert.Equal(64, scores.GetProperty("images").GetInt32());
            Assert.InRange(scores.GetProperty("inceptionScore").GetDouble(), 1.0, 10.0);
            Assert.True(scores.GetProperty("frechetDistance").GetDouble() >= 0);
            Assert.InRange(scores.GetProperty("confidentShare").GetDouble(), 0.0, 1.0);
            Assert.Equal(64, scores.GetProperty("classHistogram").EnumerateArray().Sum(c => c.GetInt32()));
        }
    }

    [Fact]
    public async Task A_completed_run_keeps_its_sample_scores_in_the_run_history()
    {
        var run = await PollAsync($"/runs/{service.RunId}", root => root.TryGetProperty("sampleQuality", out var q) && q.ValueKind == JsonValueKind.Object ? root : (JsonElement?)null);

        var quality = run.GetProperty("sampleQuality");
        Assert.StartsWith(service.RunId + ".", quality.GetProperty("modelVersion").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, quality.GetProperty("samplers").GetArrayLength());
        var listed = (await service.Client.GetFromJsonAsync<JsonElement>("/runs")).EnumerateArray().Single(r => r.GetProperty("runId").GetString() == service.RunId);
        Assert.Equal(JsonValueKind.Object, listed.GetProperty("sampleQuality").ValueKind);
    }

    [Fact]
    public async Task Each_run_of_a_sweep_gets_its_own_scores_though_the_next_one_starts_at_once()
    {
        using var response = await service.Client.PostAsJsonAsync("/sweeps", new { @base = new { epochs = 1 }, grid = new { seed = new[] { 41, 42 } } });
        response.EnsureSuccessStatusCode();
        var sweepId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("sweepId").GetString();

        var table = await PollAsync($"/sweeps/{sweepId}", root =>
            root.GetProperty("runs").EnumerateArray().All(r => r.TryGetProperty("sampleQuality", out var q) && q.ValueKind == JsonValueKind.Object) ? root : (JsonElement?)null);

        foreach (var row in table.GetProperty("runs").EnumerateArray())
        {
            var version = row.GetProperty("sampleQuality").GetProperty("modelVersion").GetString();
            Assert.Equal(row.GetProperty("runId").GetString() + ".e1", version);
        }
    }

    [Fact]
    public async Task The_judge_is_kept_in_the_state_directory_once_trained()
    {
        await PollAsync("/model", root => root.GetProperty("sampleQuality").GetProperty("state").GetString() == "ready" ? root : (JsonElement?)null);

        var judges = Path.Combine(service.Factory.StateDirectory, "judges");
        Assert.Single(Directory.GetFiles(judges, "tiny.*.bin"));
        Assert.Single(Directory.GetFiles(judges, "tiny.*.bin.accuracy"));
    }

    private async Task<JsonElement> PollAsync(string path, Func<JsonElement, JsonElement?> done)
    {
        var until = DateTime.UtcNow + Deadline;
        JsonElement last = default;
        while (DateTime.UtcNow < until)
        {
            last = await service.Client.GetFromJsonAsync<JsonElement>(path);
            if (done(last) is { } result)
            {
                return result;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"{path} did not get there in {Deadline.TotalSeconds} s; last answer: {last}");
    }
}
