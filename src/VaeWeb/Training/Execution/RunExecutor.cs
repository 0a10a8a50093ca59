using System.Diagnostics;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Data;
using VaeWeb.Serving;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;

namespace VaeWeb.Training;

/// <summary>One run the scheduler hands to the executor; <c>Resume</c> is the checkpoint it continues from, if any.</summary>
public sealed record ScheduledRun(string RunId, RunParameters Parameters, CancellationTokenSource Cancellation, Checkpoint? Resume);

/// <summary>
/// Executing one run, on the thread that calls <see cref="Execute"/> (the only thread that touches
/// the training module): epochs with pauses for waiting requests, a checkpoint after every epoch
/// (durable before the epoch is recorded or announced), the history's epoch rows, the inference copy
/// offered to serving, and a mid-epoch checkpoint when the run is stopped.
/// </summary>
public sealed partial class RunExecutor(
    IOptions<VaeOptions> options,
    DatasetCatalog datasets,
    RunStore store,
    CheckpointStore checkpoints,
    ModelHost modelHost,
    RunReporter reporter,
    InferenceGate requests,
    LayerFormSelection layerForms,
    TimeProvider time,
    ILogger<RunExecutor> logger)
{
    private int poisoned;

    private TrainingOptions Training => options.Value.Training;

    /// <summary>Trains <paramref name="run"/> to its last epoch or until it is cancelled or the host stops; returns the state it ended in.</summary>
    public RunState Execute(ScheduledRun run, RunStatus status, CancellationToken stoppingToken)
    {
        var parameters = run.Parameters;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation.Token, stoppingToken);
        var startedAt = time.GetUtcNow();
        status = status with { State = RunState.Running, StartedAt = startedAt, Position = null };
        store.SetState(run.RunId, RunState.Running, at: startedAt);
        reporter.Publish(status);
        LogRunStarted(run.RunId, parameters.Dataset, parameters.Epochs);

        Trainer? trainer = null;
        var progress = new RunProgress();
        try
        {
            var data = datasets.Get(parameters.Dataset);
            var config = ToTrainingConfig(parameters);
            trainer = new Trainer(config, data, layerForms.Forms) { Pause = requests.RunWaitingRequests };
            if (run.Resume is { } resume)
            {
                trainer.Restore(resume.WeightsPath, resume.OptimizerPath, resume.Metadata.Epoch, resume.Metadata.Step);
                progress.LastEpoch = resume.Metadata.Step == 0 ? resume.Metadata.Result : null;
                LogResumed(run.RunId, resume.Metadata.ModelVersion);
            }

            status = status with { StepsPerEpoch = trainer.StepsPerEpoch };
            reporter.Publish(status);
            while (trainer.CompletedEpochs < parameters.Epochs)
            {
                status = RunEpoch(run, trainer, config, status, progress, data.Train.Count, linked.Token);
            }

            return Finish(run, status, RunState.Completed, error: null);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // A user's DELETE cancels; a host shutdown interrupts (the run can be resumed). Either
            // way the steps taken since the last epoch are kept in a mid-epoch checkpoint.
            var state = run.Cancellation.IsCancellationRequested ? RunState.Cancelled : RunState.Interrupted;
            var error = TrySaveStopCheckpoint(run, trainer, progress);
            return Finish(run, status, state, error);
        }
        catch (Exception e)
        {
            LogRunFailed(e, run.RunId);
            return Finish(run, status, RunState.Failed, e.Message);
        }
        finally
        {
            trainer?.Dispose();
        }
    }

    private RunStatus RunEpoch(ScheduledRun run, Trainer trainer, TrainingConfig config, RunStatus status, RunProgress progress, int trainCount, CancellationToken cancellationToken)
    {
        var parameters = run.Parameters;
        var lastProgress = Stopwatch.StartNew();
        var result = trainer.RunEpoch(
            step =>
            {
                progress.Running = step.Running;
                progress.ImagesPerSecond = step.ImagesPerSecond;
                ApplyTestHooks(trainer, ++progress.StepsTaken);
                if (lastProgress.Elapsed >= Training.ProgressInterval || step.Step == step.StepsPerEpoch)
                {
                    lastProgress.Restart();
                    reporter.Step(status, step, parameters.Epochs, trainCount, parameters.BatchSize);
                }
            },
            cancellationToken);

        var version = ModelVersions.Format(run.RunId, result.Epoch);
        var metadata = new CheckpointMetadata(run.RunId, result.Epoch, parameters.Dataset, config, result, time.GetUtcNow());
        // The checkpoint is durable before the epoch is recorded or announced: an epoch a
        // client has seen finish is never lost, whenever the process dies.
        SaveCheckpoint(trainer, metadata);
        requests.RunWaitingRequests();
        progress.LastEpoch = result;
        store.AddEpoch(run.RunId, ToMetrics(result, version));
        // While a version is pinned the copy is not even made: the pin keeps serving.
        modelHost.PublishNewest(() => InferenceModel.CopyOf(trainer.Model, version, layerForms.Forms, options.Value.Serving.Threads));
        requests.RunWaitingRequests();
        LogEpoch(run.RunId, result.Epoch, result.Test.Loss, result.ImagesPerSecond);
        return reporter.Epoch(status, result, trainer.StepsPerEpoch, parameters.Epochs, version);
    }

    private RunState Finish(ScheduledRun run, RunStatus status, RunState state, string? error)
    {
        var finishedAt = time.GetUtcNow();
        try
        {
            store.SetState(run.RunId, state, error, finishedAt);
        }
        catch (Exception e)
        {
            LogStoreFailed(e, run.RunId);
        }

        reporter.Finished(status, state, finishedAt, error);
        LogRunFinished(run.RunId, state);
        return state;
    }

    private TrainingConfig ToTrainingConfig(RunParameters p) => new()
    {
        Epochs = p.Epochs,
        BatchSize = p.BatchSize,
        LearningRate = p.LearningRate,
        Seed = p.Seed,
        Precision = p.Precision,
        Threads = Training.Threads,
        Model = p.ToModelConfig(),
    };

    private static EpochMetrics ToMetrics(EpochResult r, string version) => new(
        r.Epoch, r.Train.Loss, r.Train.Reconstruction, r.Train.Kl, r.Test.Loss, r.Test.Reconstruction, r.Test.Kl,
        r.Duration.TotalSeconds, r.ImagesPerSecond, version);

    /// <summary>What the training thread knows about the run between steps; touched by that thread only.</summary>
    private sealed class RunProgress
    {
        public LossSummary? Running { get; set; }

        public double ImagesPerSecond { get; set; }

        public EpochResult? LastEpoch { get; set; }

        public int StepsTaken { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} started on {Dataset} for {Epochs} epochs")]
    private partial void LogRunStarted(string runId, string dataset, int epochs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} epoch {Epoch}: test loss {TestLoss:F3}, {ImagesPerSecond:F0} images/s")]
    private partial void LogEpoch(string runId, int epoch, double testLoss, double imagesPerSecond);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} finished: {State}")]
    private partial void LogRunFinished(string runId, RunState state);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed")]
    private partial void LogRunFailed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the end of run {RunId}")]
    private partial void LogStoreFailed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} resumes from checkpoint {ModelVersion}")]
    private partial void LogResumed(string runId, string modelVersion);
}
