using System.Net;
using System.Net.Http.Json;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Tests.Operations;

public class RunFaultTests
{
    [Fact]
    public async Task A_non_finite_loss_fails_the_run_with_its_reason_and_the_next_run_completes()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:TestHooks:PoisonWeightsAfterStep"] = "2" });
        using var client = factory.CreateClient();

        var failed = await factory.TrainAsync(client, new { epochs = 1 });

        Assert.Equal(RunState.Failed, failed.State);
        Assert.Contains("non-finite", failed.Error, StringComparison.Ordinal);
        var record = await client.GetFromJsonAsync<RunRecord>($"/runs/{failed.RunId}", VaeWebFactory.Json);
        Assert.Equal(RunState.Failed, record!.State);
        Assert.Contains("non-finite", record.Error, StringComparison.Ordinal);

        var next = await factory.TrainAsync(client, new { epochs = 1 });
        Assert.Equal(RunState.Completed, next.State);
        Assert.NotEqual(failed.RunId, next.RunId);
        Assert.True(double.IsFinite(next.TestLoss!.Value));
    }

    [Fact]
    public void Test_hooks_are_refused_in_production()
    {
        using var factory = new ConfiguredFactory(
            new Dictionary<string, string?> { ["Vae:TestHooks:PoisonWeightsAfterStep"] = "2" },
            environment: "Production");

        var error = Record.Exception(() => factory.CreateClient());

        Assert.NotNull(error);
        Assert.Contains("TestHooks", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_continues_the_epoch_counter_and_the_loss_curve_of_the_same_run()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        using var start = await client.PostAsJsonAsync("/train", new { epochs = 4, seed = 3 }, VaeWebFactory.Json);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        var first = await factory.WaitForStatusAsync(client, s => s.Epoch >= 1 && s.TestLoss is not null);
        using (await client.DeleteAsync("/train"))
        {
        }

        var stopped = await factory.WaitForStatusAsync(client, s => !s.IsActive);
        Assert.Equal(RunState.Cancelled, stopped.State);
        var before = await client.GetFromJsonAsync<RunRecord>($"/runs/{first.RunId}", VaeWebFactory.Json);
        Assert.InRange(before!.Epochs.Count, 1, 3);

        using var resume = await client.PostAsJsonAsync("/train", new { resume = first.RunId }, VaeWebFactory.Json);
        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        Assert.EndsWith($"/runs/{first.RunId}", resume.Headers.Location!.ToString(), StringComparison.Ordinal);
        var done = await factory.WaitForStatusAsync(client, s => !s.IsActive && s.State != RunState.Cancelled);

        Assert.Equal(RunState.Completed, done.State);
        Assert.Equal(first.RunId, done.RunId);
        Assert.Equal(4, done.Epoch);
        var after = await client.GetFromJsonAsync<RunRecord>($"/runs/{first.RunId}", VaeWebFactory.Json);
        Assert.Equal([1, 2, 3, 4], after!.Epochs.Select(e => e.Epoch));
        // The curve carries on from where it stopped: the first resumed epoch trains a model that
        // has already learnt, so its loss is far below the fresh model's first epoch.
        var firstResumed = after.Epochs[before.Epochs.Count];
        Assert.True(firstResumed.Loss < after.Epochs[0].Loss, $"resumed epoch loss {firstResumed.Loss} vs first epoch {after.Epochs[0].Loss}");
        Assert.Equal(before.Epochs[0].Loss, after.Epochs[0].Loss, 6);
    }

    [Fact]
    public async Task Resume_of_an_unknown_run_is_404_and_of_a_finished_run_is_409_naming_epochs()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        using var unknown = await client.PostAsJsonAsync("/train", new { resume = "no-such-run" }, VaeWebFactory.Json);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var run = await factory.TrainAsync(client, new { epochs = 1 });
        using var finished = await client.PostAsJsonAsync("/train", new { resume = run.RunId }, VaeWebFactory.Json);
        Assert.Equal(HttpStatusCode.Conflict, finished.StatusCode);
        Assert.Contains("epochs", await finished.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var mixed = await client.PostAsJsonAsync("/train", new { resume = run.RunId, latentDim = 4 }, VaeWebFactory.Json);
        Assert.Equal(HttpStatusCode.BadRequest, mixed.StatusCode);
        Assert.Contains("latentDim", await mixed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var extended = await client.PostAsJsonAsync("/train", new { resume = run.RunId, epochs = 2 }, VaeWebFactory.Json);
        Assert.Equal(HttpStatusCode.Accepted, extended.StatusCode);
        var done = await factory.WaitForStatusAsync(client, s => !s.IsActive);
        Assert.Equal(RunState.Completed, done.State);
        Assert.Equal(2, done.Epoch);
    }
}
