using TorchSharp;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Training;
using static TorchSharp.torch;

namespace VaeWeb.Training;

/// <summary>A run's checkpoints with retention, the mid-epoch stop checkpoint, and the test-only fault hook.</summary>
public sealed partial class RunExecutor
{
    private void SaveCheckpoint(Trainer trainer, CheckpointMetadata metadata)
    {
        checkpoints.Save(metadata, path => trainer.Model.save(path), trainer.SaveOptimizerState);
        checkpoints.ApplyRetention(metadata.RunId, Training.KeepLastCheckpoints);
    }

    /// <summary>
    /// Saves the steps taken since the last epoch so a stop loses at most one batch. Returns the
    /// reason to record when that fails (the run is still stopped; its last epoch checkpoint stands).
    /// </summary>
    private string? TrySaveStopCheckpoint(ScheduledRun run, Trainer? trainer, RunProgress progress)
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} stopped mid-epoch; saved checkpoint {ModelVersion}")]
    private partial void LogStopCheckpoint(string runId, string modelVersion);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId}: the stop checkpoint could not be written")]
    private partial void LogStopCheckpointFailed(Exception exception, string runId);
}
