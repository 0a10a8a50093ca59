using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Data;
using VaeWeb.Serving;
using VaeWeb.Vae.Checkpoints;

namespace VaeWeb.Training;

/// <summary>
/// Scheduling: the queue of runs (<c>POST /train</c>, <c>POST /runs</c>, sweeps, resumes) and the loop
/// that hands the next queued run to the <see cref="RunExecutor"/> when the trainer is free. The
/// queue lives in the run store (runs in state <c>queued</c>), so it survives a restart; this type
/// holds only the run executing now and its cancellation.
/// </summary>
public sealed partial class RunScheduler(
    IOptions<VaeOptions> options,
    DatasetCatalog datasets,
    RunStore store,
    CheckpointStore checkpoints,
    RunExecutor executor,
    RunReporter reporter,
    ServedModels served,
    TimeProvider time,
    ILogger<RunScheduler> logger) : BackgroundService
{
    private readonly Lock gate = new();
    private readonly SemaphoreSlim wake = new(0);
    private readonly TrainerLock trainerLock = new();
    private ScheduledRun? running;

    private TrainingOptions Training => options.Value.Training;

    private LabOptions Lab => options.Value.Lab;

    /// <summary>The parameters of a run started with no body: the configured defaults.</summary>
    public RunParameters Defaults => new(
        Training.Epochs, Training.BatchSize, Training.LearningRate, Training.LatentDim, Training.Beta,
        Training.Likelihood, options.Value.DefaultDataset, Training.Seed, Precision: Training.Precision);

    /// <summary>The run executing now, if any.</summary>
    public string? RunningId
    {
        get
        {
            lock (gate)
            {
                return running?.RunId;
            }
        }
    }

    /// <summary><c>POST /train</c>: a run that starts now, refused while any run is running or queued.</summary>
    public StartResult TryStart(RunParameters parameters)
    {
        lock (gate)
        {
            if (!Training.Enabled)
            {
                return new StartResult.Disabled(reporter.Current);
            }

            return running is not null || store.QueuedIds().Count > 0
                ? new StartResult.AlreadyActive(reporter.Current)
                : Enqueue(parameters);
        }
    }

    /// <summary><c>POST /runs</c>: a run queued behind the others; it starts when the trainer is free.</summary>
    public StartResult TryEnqueue(RunParameters parameters)
    {
        lock (gate)
        {
            if (!Training.Enabled)
            {
                return new StartResult.Disabled(reporter.Current);
            }

            var queued = store.QueuedIds().Count;
            return queued >= Lab.MaxQueuedRuns ? new StartResult.QueueFull(reporter.Current, queued, Lab.MaxQueuedRuns) : Enqueue(parameters);
        }
    }

    /// <summary>Queues a sweep's runs (all or none); null when they would overfill the queue.</summary>
    public (SweepRecord Sweep, IReadOnlyList<string> RunIds)? TryEnqueueSweep(System.Text.Json.Nodes.JsonObject baseBody, System.Text.Json.Nodes.JsonObject grid, IReadOnlyList<RunParameters> runs)
    {
        lock (gate)
        {
            if (store.QueuedIds().Count + runs.Count > Lab.MaxQueuedRuns)
            {
                return null;
            }

            var now = time.GetUtcNow();
            var sweep = new SweepRecord("sweep-" + NewRunId(now), baseBody, grid, now);
            var ids = new HashSet<string>(StringComparer.Ordinal);
            var planned = runs.Select(p => (RunId: UniqueRunId(now, ids), Parameters: p)).ToList();
            store.InsertSweep(sweep, planned);
            ShowQueuedIfIdle(planned[0].RunId, planned[0].Parameters, now);
            wake.Release();
            return (sweep, planned.Select(p => p.RunId).ToList());
        }
    }

    /// <summary>Asks the running run to stop after its current batch, or else drops the next queued one; false when there is neither.</summary>
    public bool TryCancel()
    {
        lock (gate)
        {
            if (running is not null)
            {
                running.Cancellation.Cancel();
                return true;
            }

            var queued = store.QueuedIds();
            return queued.Count > 0 && CancelQueued(queued[0]);
        }
    }

    /// <summary>Cancels one run: a queued run is taken out of the queue at once, a running one stops after its current batch.</summary>
    public bool TryCancel(string runId)
    {
        lock (gate)
        {
            if (running?.RunId == runId)
            {
                running.Cancellation.Cancel();
                return true;
            }

            return store.QueuedIds().Contains(runId) && CancelQueued(runId);
        }
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Only the trainer settles the history: for a serve-only replica an active run is the
        // trainer's, alive in another process.
        if (Training.Enabled)
        {
            trainerLock.Acquire(Path.GetFullPath(options.Value.StateDirectory));
            foreach (var runId in store.MarkAbandonedRunsInterrupted())
            {
                LogInterrupted(runId);
            }
        }

        reporter.ShowLastRecordedRun();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Training.Enabled)
        {
            return;
        }

        if (Training.AutoStart && store.IsEmpty())
        {
            LogAutoStart();
            TryStart(Defaults);
        }

        var queued = store.QueuedIds().Count;
        if (queued > 0)
        {
            LogQueueCarriesOn(queued);
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (TakeNext() is not { } next)
                {
                    await wake.WaitAsync(stoppingToken);
                    continue;
                }

                var (run, status) = next;
                // Each run in its own try (inside the executor): one failure never stops the host or the queue.
                await Task.Factory.StartNew(
                    () => executor.Execute(run, status, stoppingToken),
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);
                lock (gate)
                {
                    running = null;
                }

                run.Cancellation.Dispose();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: what is still queued stays queued in the store for the next start.
        }
    }

    /// <summary>The next queued run, made the running one; null when the queue is empty.</summary>
    private (ScheduledRun Run, RunStatus Status)? TakeNext()
    {
        lock (gate)
        {
            foreach (var runId in store.QueuedIds())
            {
                if (store.Get(runId) is not { } record)
                {
                    continue;
                }

                if (!datasets.Contains(record.Parameters.Dataset))
                {
                    store.SetState(runId, RunState.Failed, $"data set '{record.Parameters.Dataset}' is no longer configured", time.GetUtcNow());
                    continue;
                }

                // A run queued again by a resume continues from its newest checkpoint that verifies.
                var resume = checkpoints.LatestVerified(runId);
                running = new ScheduledRun(runId, record.Parameters, new CancellationTokenSource(), resume);
                var status = resume is null
                    ? reporter.StatusOf(record, null)
                    : reporter.StatusOf(record, record.Epochs.LastOrDefault(e => e.Epoch == resume.Metadata.Epoch)) with { Epoch = resume.Metadata.Epoch, ImagesPerSecond = null };
                return (running, status with { StartedAt = null, FinishedAt = null, Error = null });
            }

            return null;
        }
    }

    private StartResult.Started Enqueue(RunParameters parameters)
    {
        var now = time.GetUtcNow();
        var runId = UniqueRunId(now, []);
        store.Insert(runId, parameters, now);
        var status = reporter.Queued(runId, parameters, now, store.QueuedIds().Count);
        ShowQueuedIfIdle(runId, parameters, now);
        wake.Release();
        return new StartResult.Started(status);
    }

    /// <summary>With nothing running, <c>GET /train</c> shows the run about to start; a running run keeps the feed.</summary>
    private void ShowQueuedIfIdle(string runId, RunParameters parameters, DateTimeOffset now)
    {
        if (running is null && store.QueuedIds() is [var next, ..] && next == runId)
        {
            reporter.Publish(reporter.Queued(runId, parameters, now, 1));
        }
    }

    private bool CancelQueued(string runId)
    {
        store.SetState(runId, RunState.Cancelled, "cancelled while queued", time.GetUtcNow());
        LogCancelledQueued(runId);
        if (running is null && reporter.Current.RunId == runId && store.Get(runId) is { } record)
        {
            reporter.Publish(reporter.StatusOf(record));
        }

        return true;
    }

    private string UniqueRunId(DateTimeOffset now, HashSet<string> taken)
    {
        while (true)
        {
            var id = NewRunId(now);
            if (taken.Add(id) && store.Get(id) is null)
            {
                return id;
            }
        }
    }

    private static string NewRunId(DateTimeOffset now) =>
        $"{now:yyyyMMdd-HHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // The run in progress checkpoints and records itself interrupted first; then the directory is free.
        await base.StopAsync(cancellationToken);
        trainerLock.Dispose();
    }

    public override void Dispose()
    {
        base.Dispose();
        trainerLock.Dispose();
        wake.Dispose();
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No run yet: starting the default run")]
    private partial void LogAutoStart();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} was running when the service last stopped; marked interrupted")]
    private partial void LogInterrupted(string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Queued} queued runs carry on from before the restart")]
    private partial void LogQueueCarriesOn(int queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} cancelled while queued")]
    private partial void LogCancelledQueued(string runId);
}
