using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Tests.Api;

/// <summary>Two finished tiny runs of different lengths, for the tests that only compare them.</summary>
public sealed class TwoRunsFixture : IAsyncLifetime
{
    public VaeWebFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public RunStatus TwoEpochs { get; private set; } = null!;

    public RunStatus ThreeEpochs { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        TwoEpochs = await Factory.TrainAsync(Client, new { epochs = 2, latentDim = 4, beta = 4, seed = 3 });
        ThreeEpochs = await Factory.TrainAsync(Client, new { epochs = 3, latentDim = 8, beta = 0.5, seed = 5 });
        if (TwoEpochs.State != RunState.Completed || ThreeEpochs.State != RunState.Completed)
        {
            throw new InvalidOperationException($"The fixture's runs ended {TwoEpochs.State} and {ThreeEpochs.State}.");
        }
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

public sealed class CompareApiTests(TwoRunsFixture runs) : IClassFixture<TwoRunsFixture>
{
    private HttpClient Client => runs.Client;

    [Fact]
    public async Task Two_runs_come_back_in_the_order_asked_with_curves_aligned_on_the_longer_runs_epochs()
    {
        var comparison = await Client.GetFromJsonAsync<RunComparison>($"/runs/compare?ids={runs.ThreeEpochs.RunId},{runs.TwoEpochs.RunId}", VaeWebFactory.Json);

        Assert.Equal([1, 2, 3], comparison!.Epochs);
        Assert.Equal([runs.ThreeEpochs.RunId, runs.TwoEpochs.RunId], comparison.Runs.Select(r => r.RunId));
        var (longer, shorter) = (comparison.Runs[0], comparison.Runs[1]);
        Assert.Equal(0.5, longer.Parameters.Beta);
        Assert.Equal(4, shorter.Parameters.LatentDim);
        Assert.All(comparison.Runs, r => Assert.Equal(RunState.Completed, r.State));
        Assert.All(comparison.Runs, r => Assert.Equal(3, r.Curves.TestLoss.Count));
        Assert.Null(shorter.Curves.TestLoss[2]);
        Assert.Null(shorter.Curves.Loss[2]);
        Assert.NotNull(shorter.Curves.TestLoss[1]);
    }

    [Fact]
    public async Task Each_curve_and_final_figure_is_the_runs_own_history()
    {
        var history = await Client.GetFromJsonAsync<RunRecord>($"/runs/{runs.ThreeEpochs.RunId}", VaeWebFactory.Json);

        var run = (await Client.GetFromJsonAsync<RunComparison>($"/runs/compare?ids={runs.ThreeEpochs.RunId}", VaeWebFactory.Json))!.Runs.Single();

        Assert.Equal(history!.Epochs.Select(e => (double?)e.TestLoss), run.Curves.TestLoss);
        Assert.Equal(history.Epochs.Select(e => (double?)e.Loss), run.Curves.Loss);
        Assert.Equal(history.Epochs.Select(e => (double?)e.TestReconstruction), run.Curves.TestReconstruction);
        Assert.Equal(history.Epochs.Select(e => (double?)e.TestKl), run.Curves.TestKl);
        Assert.Equal(history.Epochs[^1], run.Final);
        Assert.Equal(runs.ThreeEpochs.TestLoss!.Value, run.Final!.TestLoss, 6);
        Assert.Equal($"{runs.ThreeEpochs.RunId}.e3", run.Final.ModelVersion);
    }

    [Fact]
    public async Task The_answer_names_every_field_the_page_reads()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync($"/runs/compare?ids={runs.TwoEpochs.RunId}"));

        var run = document.RootElement.GetProperty("runs")[0];
        Assert.Equal("completed", run.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("sampleQuality").ValueKind); // the judge is off in these tests
        Assert.True(run.GetProperty("final").GetProperty("testReconstruction").GetDouble() > 0);
        Assert.Equal(2, run.GetProperty("curves").GetProperty("testKl").GetArrayLength());
        Assert.Equal("gaussian", run.GetProperty("parameters").GetProperty("likelihood").GetString());
    }

    [Theory]
    [InlineData("", "got none")]
    [InlineData("?ids=", "got none")]
    [InlineData("?ids=%20", "got none")]
    [InlineData("?ids=a,,b", "empty id")]
    [InlineData("?ids=1,2,3,4,5,6,7,8,9,10,11", "got 11")]
    public async Task Missing_empty_or_too_many_ids_are_a_400_naming_ids_and_the_bound(string query, string what)
    {
        using var response = await Client.GetAsync($"/runs/compare{query}");

        var message = await response.AssertInvalidFieldAsync("ids");
        Assert.Contains("1 to 10 distinct run ids", message, StringComparison.Ordinal);
        Assert.Contains(what, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_named_twice_is_a_400_naming_it()
    {
        using var response = await Client.GetAsync($"/runs/compare?ids={runs.TwoEpochs.RunId},{runs.ThreeEpochs.RunId},{runs.TwoEpochs.RunId}");

        var message = await response.AssertInvalidFieldAsync("ids");
        Assert.Contains($"more than once: '{runs.TwoEpochs.RunId}'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_ids_are_a_404_naming_each_of_them_and_not_the_known_one()
    {
        using var response = await Client.GetAsync($"/runs/compare?ids={runs.TwoEpochs.RunId},nope-1,nope-2");

        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        var message = problem.GetProperty("errors").GetProperty("ids")[0].GetString()!;
        Assert.Contains("'nope-1', 'nope-2'", message, StringComparison.Ordinal);
        Assert.DoesNotContain(runs.TwoEpochs.RunId!, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_compare_is_the_comparison_not_a_run_called_compare()
    {
        // /runs/{id} and /runs/compare share a prefix: the literal route wins, and a run cannot be called "compare".
        using var response = await Client.GetAsync("/runs/compare?ids=compare");

        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("'compare'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_declares_ids_as_a_required_string_and_the_answers_shape()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/swagger/v1/swagger.json"));

        var operation = document.RootElement.GetProperty("paths").GetProperty("/runs/compare").GetProperty("get");
        Assert.Equal("CompareRuns", operation.GetProperty("operationId").GetString());
        var ids = operation.GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "ids");
        Assert.Equal("query", ids.GetProperty("in").GetString());
        Assert.True(ids.GetProperty("required").GetBoolean());
        Assert.Equal("string", ids.GetProperty("schema").GetProperty("type").GetString());
        Assert.Contains("1 to 10", ids.GetProperty("description").GetString(), StringComparison.Ordinal);
        var ok = operation.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.EndsWith("/RunComparison", ok.GetProperty("$ref").GetString(), StringComparison.Ordinal);
        var curves = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("RunCurves").GetProperty("properties");
        Assert.True(curves.TryGetProperty("testLoss", out _));
    }
}

public class CompareAccessTests
{
    [Fact]
    public async Task Where_reads_need_the_key_compare_without_it_is_401()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>
        {
            ["Vae:Security:ApiKey"] = "compare-test-key",
            ["Vae:Security:RequireKeyForReads"] = "true",
        });
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/runs/compare?ids=a");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

public class RunComparisonTests
{
    private static EpochMetrics Epoch(int epoch, double testLoss) => new(epoch, testLoss + 1, testLoss - 2, 2, testLoss, testLoss - 2, 2, 1, 100, $"r.e{epoch}");

    private static RunRecord Run(string id, params EpochMetrics[] epochs) =>
        new(id, RunState.Completed, new RunParameters(epochs.Length, 64, 0.001, 8, 1, VaeWeb.Vae.Model.Likelihood.Gaussian, "tiny", 0), DateTimeOffset.UnixEpoch, null, null, null, epochs);

    [Fact]
    public void A_run_without_epochs_gives_an_empty_axis_and_no_final_figures()
    {
        var comparison = RunComparison.Of([Run("queued")]);

        Assert.Empty(comparison.Epochs);
        Assert.Null(comparison.Runs[0].Final);
        Assert.Empty(comparison.Runs[0].Curves.TestLoss);
    }

    [Fact]
    public void An_epoch_recorded_twice_shows_its_last_record_and_a_missing_one_is_null()
    {
        var comparison = RunComparison.Of([Run("a", Epoch(1, 50), Epoch(3, 40), Epoch(3, 39)), Run("b", Epoch(1, 60))]);

        Assert.Equal([1, 2, 3], comparison.Epochs);
        Assert.Equal([50, null, 39], comparison.Runs[0].Curves.TestLoss);
        Assert.Equal(39, comparison.Runs[0].Final!.TestLoss);
        Assert.Equal([60, null, null], comparison.Runs[1].Curves.TestLoss);
    }
}
