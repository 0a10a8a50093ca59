using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VaeWeb.Serving;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Tests.Training;

/// <summary>The queue (<c>POST /runs</c>, <c>DELETE /runs/{id}</c>) and sweeps, through HTTP with tiny runs.</summary>
public class LabTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<RunStatus> QueueAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/runs", Json(body));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var status = (await response.Content.ReadFromJsonAsync<RunStatus>(VaeWebFactory.Json))!;
        Assert.Equal($"/runs/{status.RunId}", response.Headers.Location?.OriginalString);
        return status;
    }

    private static async Task<RunRecord> WaitForRunAsync(HttpClient client, string runId, Func<RunRecord, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(180);
        RunRecord? run = null;
        while (DateTime.UtcNow < deadline)
        {
            run = await client.GetFromJsonAsync<RunRecord>($"/runs/{runId}", VaeWebFactory.Json);
            if (run is not null && done(run))
            {
                return run;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"run {runId} did not get there; last: {JsonSerializer.Serialize(run, VaeWebFactory.Json)}");
    }

    private static bool Finished(RunRecord r) => r.State is not (RunState.Queued or RunState.Running);

    [Fact]
    public async Task Queued_runs_wait_for_the_trainer_then_run_in_order_and_post_train_keeps_its_409()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        using var first = await client.PostAsync("/train", Json("""{"epochs": 200}"""));
        var running = await factory.WaitForStatusAsync(client, s => s.State == RunState.Running && s.Step > 0);

        var a = await QueueAsync(client, """{"epochs": 1, "latentDim": 2, "seed": 1}""");
        var b = await QueueAsync(client, """{"epochs": 1, "latentDim": 4, "seed": 2}""");

        Assert.Equal((RunState.Queued, (int?)1), (a.State, a.Position));
        Assert.Equal((RunState.Queued, (int?)2), (b.State, b.Position));
        Assert.Equal(4, b.Parameters!.LatentDim);
        Assert.Equal(running.RunId, (await client.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json))!.RunId);
        using var refused = await client.PostAsync("/train", Json("{}"));
        await refused.AssertProblemAsync(HttpStatusCode.Conflict);

        using var cancel = await client.DeleteAsync($"/runs/{running.RunId}");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var doneA = await WaitForRunAsync(client, a.RunId!, Finished);
        var doneB = await WaitForRunAsync(client, b.RunId!, Finished);
        Assert.Equal(RunState.Cancelled, (await client.GetFromJsonAsync<RunRecord>($"/runs/{running.RunId}", VaeWebFactory.Json))!.State);
        Assert.Equal((RunState.Completed, RunState.Completed), (doneA.State, doneB.State));
        Assert.True(doneA.FinishedAt <= doneB.StartedAt, "the queue runs one run at a time, in the order it was given");
    }

    [Fact]
    public async Task A_queued_run_deleted_never_starts_and_the_rest_of_the_queue_carries_on()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        using var first = await client.PostAsync("/train", Json("""{"epochs": 2}"""));
        var dropped = await QueueAsync(client, """{"epochs": 1}""");
        var kept = await QueueAsync(client, """{"epochs": 1}""");

        using var cancel = await client.DeleteAsync($"/runs/{dropped.RunId}");

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.Equal(RunState.Cancelled, (await cancel.Content.ReadFromJsonAsync<RunRecord>(VaeWebFactory.Json))!.State);
        Assert.Equal(RunState.Completed, (await WaitForRunAsync(client, kept.RunId!, Finished)).State);
        var never = await client.GetFromJsonAsync<RunRecord>($"/runs/{dropped.RunId}", VaeWebFactory.Json);
        Assert.Null(never!.StartedAt);
        Assert.Empty(never.Epochs);
    }

    [Fact]
    public async Task A_finished_run_is_deleted_with_its_checkpoints_but_not_the_one_that_serves()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        var old = (await factory.TrainAsync(client, new { epochs = 1, seed = 1 })).RunId!;
        var newest = (await factory.TrainAsync(client, new { epochs = 1, seed = 2 })).RunId!;

        using var refused = await client.DeleteAsync($"/runs/{newest}");
        var problem = await refused.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("PUT /serving", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var deleted = await client.DeleteAsync($"/runs/{old}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/runs/{old}")).StatusCode);
        Assert.False(Directory.Exists(Path.Combine(factory.StateDirectory, "checkpoints", old)));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/samples?n=1&model={old}")).StatusCode);

        // Pinned, the newest is still what serves: still refused.
        using var pin = await client.PutAsync("/serving", Json($$"""{"model": "{{newest}}.e1"}"""));
        Assert.Equal(HttpStatusCode.OK, pin.StatusCode);
        using var stillRefused = await client.DeleteAsync($"/runs/{newest}");
        await stillRefused.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/runs/20990101-000000-abcd")).StatusCode);
    }

    [Fact]
    public async Task Another_pinned_run_lets_the_newest_be_deleted()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        var old = (await factory.TrainAsync(client, new { epochs = 1, seed = 1 })).RunId!;
        var newest = (await factory.TrainAsync(client, new { epochs = 1, seed = 2 })).RunId!;
        using var pin = await client.PutAsync("/serving", Json($$"""{"model": "{{old}}"}"""));
        Assert.Equal(HttpStatusCode.OK, pin.StatusCode);

        using var deleted = await client.DeleteAsync($"/runs/{newest}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(new ServingState($"{old}.e1", $"{old}.e1"), await client.GetFromJsonAsync<ServingState>("/serving", VaeWebFactory.Json));
    }

    [Fact]
    public async Task Bad_queue_requests_get_problems_that_say_what_is_allowed()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Lab:MaxQueuedRuns"] = "1" });
        using var client = factory.CreateClient();

        using var resume = await client.PostAsync("/runs", Json("""{"resume": "x"}"""));
        Assert.Contains("POST /train", await resume.AssertInvalidFieldAsync("resume"), StringComparison.Ordinal);
        using var bad = await client.PostAsync("/runs", Json("""{"beta": -1}"""));
        await bad.AssertInvalidFieldAsync("beta");

        using var running = await client.PostAsync("/runs", Json("""{"epochs": 200}"""));
        await factory.WaitForStatusAsync(client, s => s.State == RunState.Running);
        await QueueAsync(client, "{}");
        using var full = await client.PostAsync("/runs", Json("{}"));
        var problem = await full.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("MaxQueuedRuns", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var cancel = await client.DeleteAsync("/train");
    }

    [Fact]
    public async Task A_sweep_queues_every_combination_and_tables_their_results()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/sweeps", Json("""{"base": {"epochs": 1, "seed": 3}, "grid": {"beta": [0.5, 4], "latentDim": [2, 4]}}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var queued = (await response.Content.ReadFromJsonAsync<SweepResponse>(VaeWebFactory.Json))!;
        Assert.Equal($"/sweeps/{queued.SweepId}", response.Headers.Location?.OriginalString);
        Assert.Equal(
            [(0.5, 2), (0.5, 4), (4.0, 2), (4.0, 4)],
            queued.Runs.Select(r => (r.Varied["beta"].GetDouble(), r.Varied["latentDim"].GetInt32())));
        Assert.All(queued.Runs, r => Assert.Equal((1, 3L), (r.Parameters.Epochs, r.Parameters.Seed)));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(240);
        SweepResponse table;
        do
        {
            await Task.Delay(200);
            table = (await client.GetFromJsonAsync<SweepResponse>($"/sweeps/{queued.SweepId}", VaeWebFactory.Json))!;
        }
        while (table.Finished < table.Total && DateTime.UtcNow < deadline);

        Assert.Equal(4, table.Finished);
        foreach (var row in table.Runs)
        {
            Assert.Equal(RunState.Completed, row.State);
            Assert.Equal(row.TestReconstruction!.Value + row.TestKl!.Value, row.NegativeElbo!.Value, 6);
            // The loss weighs KL by the run's β; −ELBO does not.
            Assert.Equal(row.TestReconstruction.Value + (row.Parameters.Beta * row.TestKl.Value), row.TestLoss!.Value, 2);
        }

        var runs = await client.GetFromJsonAsync<List<RunRecord>>("/runs", VaeWebFactory.Json);
        Assert.Equal(4, runs!.Count(r => r.SweepId == queued.SweepId));
    }

    [Theory]
    [InlineData("""{"grid": {"beta": [0.5, 1], "latentDim": [2, 4]}}""", "grid", "at most 3")]
    [InlineData("""{"grid": {"colour": [1]}}""", "grid.colour", "allowed")]
    [InlineData("""{"grid": {"beta": [-1, 1]}}""", "grid.beta", "beta")]
    [InlineData("""{"grid": {"beta": []}}""", "grid.beta", "non-empty")]
    [InlineData("""{"grid": {"beta": [1, 1]}}""", "grid.beta", "repeats")]
    [InlineData("""{"base": {"beta": 1}, "grid": {"beta": [2]}}""", "grid.beta", "both")]
    [InlineData("""{"base": {"epochs": 0}, "grid": {"beta": [2]}}""", "base.epochs", "epochs")]
    [InlineData("""{"base": {"resume": "x"}, "grid": {"beta": [2]}}""", "base.resume", "POST /train")]
    [InlineData("""{"grid": {}}""", "grid", "non-empty")]
    [InlineData("""{"base": {}}""", "grid", "latentDim")]
    public async Task A_bad_sweep_is_a_400_naming_the_entry_and_queues_nothing(string body, string field, string hint)
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Lab:MaxSweepRuns"] = "3" });
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/sweeps", Json(body));

        Assert.Contains(hint, await response.AssertInvalidFieldAsync(field), StringComparison.Ordinal);
        Assert.Empty((await client.GetFromJsonAsync<List<RunRecord>>("/runs", VaeWebFactory.Json))!);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/sweeps/sweep-nope")).StatusCode);
    }

    [Fact]
    public async Task A_serve_only_replica_refuses_to_queue_sweep_or_delete()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Training:Enabled"] = "false" });
        using var client = factory.CreateClient();

        await (await client.PostAsync("/runs", Json("{}"))).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await client.PostAsync("/sweeps", Json("""{"grid": {"beta": [1]}}"""))).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await client.DeleteAsync("/runs/20990101-000000-abcd")).AssertProblemAsync(HttpStatusCode.Forbidden);
    }
}
