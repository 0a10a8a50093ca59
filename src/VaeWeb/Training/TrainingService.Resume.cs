using TorchSharp;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Training;
using static TorchSharp.torch;

namespace VaeWeb.Training;

/// <summary>Resuming runs, checkpoints with retention, the mid-epoch stop checkpoint, and the test-only fault hook.</summary>
public sealed partial class TrainingService
{
    /// <summary>
    /// Continues <paramref name="runId"/> from its newest checkpoint that verifies: same run id,
    /// weights, optimiser state and epoch counter, so its loss curve carries on.
    /// <paramref name="epochs"/> may raise the run's total (to extend a completed run).
    /// </summary>
    public StartResult TryResume(string runId, int? epochs)
    {
        if (!Training.Enabled)
        {
            return new StartResult.Disabled(feed.Current);
        }

        lock (gate)
        {
            if (active is not null)
            {
                return new StartResult.AlreadyActive(feed.Current);
            }

            if (store.Get(runId) is not { } record)
            {
                return new StartResult.UnknownRun(feed.Current, runId);
            }

            if (!datasets.Contains(record.Parameters.Dataset))
            {
                return new StartResult.NotResumable(feed.Current, $"run {runId} trained on data set '{record.Parameters.Dataset}', which is no longer configured.");
            }

            if (checkpoints.LatestVerified(runId) is not { } checkpoint)
            {
                return new StartResult.NotResumable(feed.Current, $"run {runId} has no checkpoint that verifies.");
            }

            var parameters = record.Parameters with { Epochs = epochs ?? record.Parameters.Epochs };
            var done = checkpoint.Metadata.Epoch;
            if (done >= parameters.Epochs)
            {
                return new StartResult.NotResumable(feed.Current, $"run {runId} has finished {done} of {parameters.Epochs} epochs; send a larger 'epochs' with 'resume' to train it further.");
            }

            // The history follows the checkpoint: epochs recorded after it (whose checkpoint was
            // lost) are trained again and recorded anew.
            store.PrepareResume(runId, parameters, done);
            var run = new ActiveRun(runId, parameters, new CancellationTokenSource(), checkpoint);
            active = run;
            var last = record.Epochs.LastOrDefault(e => e.Epoch == done);
            var status = StatusOf(record, last) with
            {
                State = RunState.Queued,
                Parameters = parameters,
                Epoch = done,
                Epochs = parameters.Epochs,
                ImagesPerSecond = null,
                StartedAt = null,
                FinishedAt = null,
                Error = null,
            };
            feed.Publish(status);
            queue.Writer.TryWrite(run);
            return new StartResult.Started(status);
        }
    }

    private void SaveCheckpoint(Trainer trainer, CheckpointMetadata metadata)
    {
        checkpoints.Save(metadata, path => trainer.Model.save(path), trainer.SaveOptimizerState);
        checkpoints.ApplyRetention(metadata.RunId, Training.KeepLastCheckpoints);
    }

    /// <summary>
    /// Saves the steps taken since the last epoch so a stop loses at most one batch. Returns the
    /// reason to record when that fails (the run is still stopped; its last epoch checkpoint stands).
    /// </summary>
    private string? TrySaveStopCheckpoint(ActiveRun run, Trainer? trainer, RunProgress progress)
    {
        if (trainer is null || trainer.CompletedSteps == 0 || progress.Running is not { } running)
        {
            return null;
        }

        try
        {
            var config = trainer.Config;
            var result = new EpochResult(
                trainer.CompletedEpochs,
                running,
                progress.LastEpoch?.Test ?? running,
                TimeSpan.Zero,
                progress.ImagesPerSecond);
            var metadata = new CheckpointMetadata(run.RunId, trainer.CompletedEpochs, run.Parameters.Dataset, config, result, time.GetUtcNow())
            {
                Step = trainer.CompletedSteps,
            };
            SaveCheckpoint(trainer, metadata);
            LogStopCheckpoint(run.RunId, metadata.ModelVersion);
            return null;
        }
        catch (Exception e)
        {
            LogStopCheckpointFailed(e, run.RunId);
            return $"the stop checkpoint could not be written: {e.Message}";
        }
    }

    private int poisoned;

    /// <summary>
    /// Test-only fault injection (refused in Production at start-up): a NaN weight makes the next
    /// loss non-finite. It fires once per process, so the run after the failed one trains normally.
    /// </summary>
    private void ApplyTestHooks(Trainer trainer, int stepsTaken)
    {
        if (options.Value.TestHooks.PoisonWeightsAfterStep != stepsTaken || Interlocked.Exchange(ref poisoned, 1) == 1)
        {
            return;
        }

        using var noGrad = no_grad();
        using var nan = float.NaN.ToScalar();
        trainer.Model.parameters().First().fill_(nan);
    }

    /// <summary>What the training thread knows about the run between steps; touched by that thread only.</summary>
    private sealed class RunProgress
    {
        public LossSummary? Running { get; set; }

        public double ImagesPerSecond { get; set; }

        public EpochResult? LastEpoch { get; set; }

        public int StepsTaken { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} resumes from checkpoint {ModelVersion}")]
    private partial void LogResumed(string runId, string modelVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} stopped mid-epoch; saved checkpoint {ModelVersion}")]
    private partial void LogStopCheckpoint(string runId, string modelVersion);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId}: the stop checkpoint could not be written")]
    private partial void LogStopCheckpointFailed(Exception exception, string runId);
}
