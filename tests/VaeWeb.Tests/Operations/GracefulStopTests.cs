using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;
using VaeWeb.Vae.Checkpoints;

namespace VaeWeb.Tests.Operations;

public class GracefulStopTests
{
    [Fact]
    public async Task Sigterm_mid_epoch_checkpoints_the_steps_taken_marks_the_run_interrupted_and_resume_finishes_it()
    {
        using var state = new TempDirectory();
        var settings = ServiceProcess.TinySettings(state.Path);
        string runId;
        int epochAtStop, stepAtStop;
        using (var service = ServiceProcess.Start(settings))
        {
            await service.WaitUntilUpAsync();
            // Batches of 16: 32 steps an epoch, so the poll below catches the run mid-epoch even on a loaded machine.
            using var start = await service.Client.PostAsJsonAsync("/train", new { epochs = 20, seed = 1, batchSize = 16 }, VaeWebFactory.Json);
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            // Well inside the second epoch: one epoch checkpointed and some steps taken since.
            var running = await service.WaitForStatusAsync(s => s.Epoch == 2 && s.Step >= 2 && s.Step < s.StepsPerEpoch);
            runId = running.RunId!;
            epochAtStop = running.Epoch;
            stepAtStop = running.Step;

            var exitCode = await service.TerminateAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(0, exitCode);
            Assert.Contains("stopped mid-epoch", service.Output, StringComparison.Ordinal);
        }

        var store = new RunStore(Options.Create(new VaeOptions { StateDirectory = state.Path }), new JsonSerializerOptionsProvider());
        var record = store.Get(runId)!;
        Assert.Equal(RunState.Interrupted, record.State);
        var checkpoint = new CheckpointStore(state.Path).LatestVerified(runId)!;
        // Less than an epoch lost: the checkpoint holds the first epoch and the steps of the second taken before the signal.
        Assert.Equal(epochAtStop - 1, checkpoint.Metadata.Epoch);
        Assert.True(checkpoint.Metadata.Step >= stepAtStop, $"stop checkpoint at step {checkpoint.Metadata.Step}, status had step {stepAtStop}");

        using (var service = ServiceProcess.Start(settings))
        {
            await service.WaitUntilUpAsync();
            var ready = await service.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/readyz");
            Assert.Equal(checkpoint.Metadata.ModelVersion, ready.GetProperty("modelVersion").GetString());
            using var resume = await service.Client.PostAsJsonAsync("/train", new { resume = runId, epochs = 3 }, VaeWebFactory.Json);
            Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
            var done = await service.WaitForStatusAsync(s => s.RunId == runId && s.State == RunState.Completed);
            Assert.Equal(3, done.Epoch);
        }

        Assert.Equal([1, 2, 3], store.Get(runId)!.Epochs.Select(e => e.Epoch));
    }
}
