using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Serving;

namespace VaeWeb.Training;

/// <summary>
/// When a run completes, scores its final model's samples with the judge and stores the scores with
/// the run (so the run history compares runs by what they draw, not only by loss). It looks for
/// completed runs without scores at start-up and whenever the status feed shows a run completing or
/// a new run starting, so the runs of a queue or a sweep, which follow each other at once, are all
/// scored (each from its own checkpoint). Only the trainer records.
/// </summary>
public sealed partial class RunQualityRecorder(TrainingStatusFeed feed, SampleQuality quality, RunStore runs, IOptions<VaeOptions> options, ILogger<RunQualityRecorder> logger) : BackgroundService
{
    /// <summary>How far back in the history a look goes.</summary>
    private const int RecentRuns = 50;

    // Versions tried once: a failure is logged, not retried on every status.
    private readonly HashSet<string> tried = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Judge.Enabled || !options.Value.Training.Enabled)
        {
            return;
        }

        string? lastRun = null;
        await foreach (var status in feed.Subscribe(stoppingToken))
        {
            if (status.RunId == lastRun && status.State != RunState.Completed)
            {
                continue;
            }

            lastRun = status.RunId;
            foreach (var (runId, version) in Unscored())
            {
                await RecordAsync(runId, version, stoppingToken);
            }
        }
    }

    /// <summary>Completed runs of the recent history that have no scores yet, with their final model version.</summary>
    private List<(string RunId, string Version)> Unscored() =>
        [.. runs.List(RecentRuns)
            .Where(r => r is { State: RunState.Completed, SampleQuality: null, Epochs.Count: > 0 })
            .Select(r => (r.RunId, Version: r.Epochs[^1].ModelVersion))
            .Where(r => r.Version is not null && tried.Add(r.Version))
            .Select(r => (r.RunId, r.Version!))];

    /// <summary>One run's scores; a failure is logged and never stops the loop.</summary>
    private async Task RecordAsync(string runId, string version, CancellationToken stoppingToken)
    {
        try
        {
            var report = await quality.MeasureAsync(version).WaitAsync(stoppingToken);
            runs.SetSampleQuality(runId, report);
            LogRecorded(runId, version);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            LogFailed(e, runId);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample scores of run {RunId} (model {ModelVersion}) stored in the run history")]
    private partial void LogRecorded(string runId, string modelVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not score the samples of run {RunId}")]
    private partial void LogFailed(Exception exception, string runId);
}
