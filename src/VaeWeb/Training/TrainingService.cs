using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Data;
using VaeWeb.Serving;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;

namespace VaeWeb.Training;

/// <summary>The outcome of asking for a new run.</summary>
public abstract record StartResult(RunStatus Status)
{
    public sealed record Started(RunStatus Status) : StartResult(Status);

    public sealed record AlreadyActive(RunStatus Status) : StartResult(Status);

    public sealed record Disabled(RunStatus Status) : StartResult(Status);

    /// <summary>A resume named a run the history does not hold.</summary>
    public sealed record UnknownRun(RunStatus Status, string RunId) : StartResult(Status);

    /// <summary>A resume named a run that cannot continue (no checkpoint, already finished, …).</summary>
    public sealed record NotResumable(RunStatus Status, string Reason) : StartResult(Status);
}

/// <summary>
/// Owns the single active training run. Runs are queued through a one-slot channel and executed
/// on a dedicated thread (the only thread that touches the training module); after every epoch
/// the service writes a checkpoint, records the metrics and publishes an inference copy.
/// </summary>
public sealed partial class TrainingService(
    IOptions<VaeOptions> options,
    DatasetCatalog datasets,
    RunStore store,
    CheckpointStore checkpoints,
    ModelHost modelHost,
    ServedModels served,
    TrainingStatusFeed feed,
    InferenceGate requests,
    LayerFormSelection layerForms,
    TimeProvider time,
    ILogger<TrainingService> logger) : BackgroundService
{
    private readonly Channel<ActiveRun> queue = Channel.CreateBounded<ActiveRun>(1);
    private readonly Lock gate = new();
    private ActiveRun? active;

    private TrainingOptions Training => options.Value.Training;

    /// <summary>LibTorch threads each request's inference call uses (Vae:Serving:Threads), given to every published model.</summary>
    private int ServingThreads => options.Value.Serving.Threads;

    /// <summary>The parameters of a run started with no body: the configured defaults.</summary>
    public RunParameters Defaults => new(
        Training.Epochs, Training.BatchSize, Training.LearningRate, Training.LatentDim, Training.Beta,
        Training.Likelihood, options.Value.DefaultDataset, Training.Seed, Precision: Training.Precision);

    public StartResult TryStart(RunParameters parameters)
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

            var now = time.GetUtcNow();
            var runId = NewRunId(now);
            store.Insert(runId, parameters, now);
            var run = new ActiveRun(runId, parameters, new CancellationTokenSource(), Resume: null);
            active = run;
            var status = new RunStatus
            {
                RunId = runId,
                State = RunState.Queued,
                Parameters = parameters,
                Epochs = parameters.Epochs,
                CreatedAt = now,
                ModelVersion = modelHost.CurrentVersion,
            };
            feed.Publish(status);
            queue.Writer.TryWrite(run);
            return new StartResult.Started(status);
        }
    }

    /// <summary>Asks the active run to stop after its current batch; false when none is active.</summary>
    public bool TryCancel()
    {
        lock (gate)
        {
            if (active is null)
            {
                return false;
            }

            active.Cancellation.Cancel();
            return true;
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the first request: check which layer forms compute correctly on this CPU, serve the
        // newest good checkpoint and settle what a crash left behind.
        _ = layerForms.Forms;
        served.LoadAtStartup();
        // Only the trainer settles the history: for a serve-only replica an active run is the
        // trainer's, alive in another process.
        if (Training.Enabled)
        {
            foreach (var runId in store.MarkAbandonedRunsInterrupted())
            {
                LogInterrupted(runId);
            }
        }

        ShowLastRecordedRun();
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Makes the last run in the history the status <c>GET /train</c> shows: at start-up, and on a
    /// serve-only replica each time the trainer publishes a newer history (the replica has no live
    /// progress of its own, only what the trainer recorded).
    /// </summary>
    public void ShowLastRecordedRun()
    {
        var recent = store.List(1);
        if (recent.Count > 0)
        {
            feed.Publish(StatusOf(recent[0]));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Training.Enabled && Training.AutoStart && store.IsEmpty())
        {
            LogAutoStart();
            TryStart(Defaults);
        }

        try
        {
            await foreach (var run in queue.Reader.ReadAllAsync(stoppingToken))
            {
                // Each run in its own try: one failure never stops the host.
                await Task.Factory.StartNew(
                    () => Execute(run, stoppingToken),
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private void Execute(ActiveRun run, CancellationToken stoppingToken)
    {
        var parameters = run.Parameters;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation.Token, stoppingToken);
        var startedAt = time.GetUtcNow();
        var status = feed.Current with { State = RunState.Running, StartedAt = startedAt };
        store.SetState(run.RunId, RunState.Running, at: startedAt);
        feed.Publish(status);
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
            feed.Publish(status);

            var lastProgress = Stopwatch.StartNew();
            var trainCount = data.Train.Count;
            while (trainer.CompletedEpochs < parameters.Epochs)
            {
                var epochStatus = status;
                var result = trainer.RunEpoch(
                    step =>
                    {
                        progress.Running = step.Running;
                        progress.ImagesPerSecond = step.ImagesPerSecond;
                        ApplyTestHooks(trainer, ++progress.StepsTaken);
                        if (lastProgress.Elapsed < Training.ProgressInterval && step.Step != step.StepsPerEpoch)
                        {
                            return;
                        }

                        lastProgress.Restart();
                        var remainingImages = ((long)(parameters.Epochs - step.Epoch) * trainCount) + ((long)(step.StepsPerEpoch - step.Step) * parameters.BatchSize);
                        feed.Publish(epochStatus with
                        {
                            Epoch = step.Epoch,
                            Step = step.Step,
                            Loss = step.Running.Loss,
                            Reconstruction = step.Running.Reconstruction,
                            Kl = step.Running.Kl,
                            ImagesPerSecond = step.ImagesPerSecond,
                            EtaSeconds = step.ImagesPerSecond > 0 ? remainingImages / step.ImagesPerSecond : null,
                        });
                    },
                    linked.Token);

                var version = ModelVersions.Format(run.RunId, result.Epoch);
                var metadata = new CheckpointMetadata(run.RunId, result.Epoch, parameters.Dataset, config, result, time.GetUtcNow());
                // The checkpoint is durable before the epoch is recorded or announced: an epoch a
                // client has seen finish is never lost, whenever the process dies.
                SaveCheckpoint(trainer, metadata);
                requests.RunWaitingRequests();
                progress.LastEpoch = result;
                store.AddEpoch(run.RunId, ToMetrics(result, version));
                modelHost.PublishNewest(() => InferenceModel.CopyOf(trainer.Model, version, layerForms.Forms, ServingThreads));
                requests.RunWaitingRequests();
                LogEpoch(run.RunId, result.Epoch, result.Test.Loss, result.ImagesPerSecond);

                status = status with
                {
                    Epoch = result.Epoch,
                    Step = trainer.StepsPerEpoch,
                    Loss = result.Train.Loss,
                    Reconstruction = result.Train.Reconstruction,
                    Kl = result.Train.Kl,
                    TestLoss = result.Test.Loss,
                    TestReconstruction = result.Test.Reconstruction,
                    TestKl = result.Test.Kl,
                    ImagesPerSecond = result.ImagesPerSecond,
                    EtaSeconds = (parameters.Epochs - result.Epoch) * result.Duration.TotalSeconds,
                    ModelVersion = version,
                };
                feed.Publish(status);
            }

            Finish(run, status, RunState.Completed, error: null);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // A user's DELETE cancels; a host shutdown interrupts (the run can be resumed). Either
            // way the steps taken since the last epoch are kept in a mid-epoch checkpoint.
            var state = run.Cancellation.IsCancellationRequested ? RunState.Cancelled : RunState.Interrupted;
            var error = TrySaveStopCheckpoint(run, trainer, progress);
            Finish(run, status, state, error);
        }
        catch (Exception e)
        {
            LogRunFailed(e, run.RunId);
            Finish(run, status, RunState.Failed, e.Message);
        }
        finally
        {
            trainer?.Dispose();
        }
    }

    private void Finish(ActiveRun run, RunStatus status, RunState state, string? error)
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

        lock (gate)
        {
            active = null;
            feed.Publish(status with { State = state, FinishedAt = finishedAt, Error = error, EtaSeconds = null, ModelVersion = modelHost.CurrentVersion });
        }

        run.Cancellation.Dispose();
        LogRunFinished(run.RunId, state);
    }

    private RunStatus StatusOf(RunRecord run) => StatusOf(run, run.Epochs.Count > 0 ? run.Epochs[^1] : null);

    /// <summary>A run's status as of one of its recorded epochs (its last one after a restart, the resumed one on resume).</summary>
    private RunStatus StatusOf(RunRecord run, EpochMetrics? last)
    {
        return new RunStatus
        {
            RunId = run.RunId,
            State = run.State,
            Parameters = run.Parameters,
            Epoch = last?.Epoch ?? 0,
            Epochs = run.Parameters.Epochs,
            Loss = last?.Loss,
            Reconstruction = last?.Reconstruction,
            Kl = last?.Kl,
            TestLoss = last?.TestLoss,
            TestReconstruction = last?.TestReconstruction,
            TestKl = last?.TestKl,
            ImagesPerSecond = last?.ImagesPerSecond,
            ModelVersion = modelHost.CurrentVersion,
            CreatedAt = run.CreatedAt,
            StartedAt = run.StartedAt,
            FinishedAt = run.FinishedAt,
            Error = run.Error,
        };
    }

    private TrainingConfig ToTrainingConfig(RunParameters p) => new()
    {
        Epochs = p.Epochs,
        BatchSize = p.BatchSize,
        LearningRate = p.LearningRate,
        Seed = p.Seed,
        Precision = p.Precision,
        Threads = Training.Threads,
        Model = new ModelConfig
        {
            LatentDim = p.LatentDim,
            Beta = p.Beta,
            Likelihood = p.Likelihood,
            Conv1Channels = p.Conv1Channels,
            Conv2Channels = p.Conv2Channels,
            HiddenUnits = p.HiddenUnits,
        },
    };

    private static EpochMetrics ToMetrics(EpochResult r, string version) => new(
        r.Epoch, r.Train.Loss, r.Train.Reconstruction, r.Train.Kl, r.Test.Loss, r.Test.Reconstruction, r.Test.Kl,
        r.Duration.TotalSeconds, r.ImagesPerSecond, version);

    private static string NewRunId(DateTimeOffset now) =>
        $"{now:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";

    public override void Dispose()
    {
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed record ActiveRun(string RunId, RunParameters Parameters, CancellationTokenSource Cancellation, Checkpoint? Resume);

    [LoggerMessage(Level = LogLevel.Information, Message = "No run yet: starting the default run")]
    private partial void LogAutoStart();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} was active when the service last stopped; marked interrupted")]
    private partial void LogInterrupted(string runId);

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
}
