using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Serving;

namespace VaeWeb.Training;

/// <summary>
/// When a run completes, scores its final model's samples with the judge and stores the scores with
/// the run (so the run history compares runs by what they draw, not only by loss). Also scores the
/// last completed run at start-up if it has no scores yet. Only the trainer records.
/// </summary>
public sealed partial class RunQualityRecorder(TrainingStatusFeed feed, SampleQuality quality, RunStore runs, IOptions<VaeOptions> options, ILogger<RunQualityRecorder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Judge.Enabled || !options.Value.Training.Enabled)
        {
            return;
        }

        await foreach (var status in feed.Subscribe(stoppingToken))
        {
            if (status is { State: RunState.Completed, RunId: { } runId, ModelVersion: { } version } && version.StartsWith(runId + ".", StringComparison.Ordinal) && runs.Get(runId)?.SampleQuality is null)
            {
                await RecordAsync(runId, version, stoppingToken);
            }
        }
    }

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
