using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Training;
using VaeWeb.Vae;

namespace VaeWeb.Serving;

/// <summary>Where a model version's sample scores stand, as <c>GET /model</c> reports them.</summary>
/// <param name="State"><c>ready</c>, <c>judge-training</c>, <c>measuring</c>, <c>after-run</c> (measured when the active run ends), <c>disabled</c> or <c>failed</c>.</param>
public sealed record SampleQualityStatus(string State, string Detail, SampleQualityReport? Report);

/// <summary>
/// The judge's scores of each model version's samples, measured once per version on a background
/// thread (one LibTorch thread) and kept until a newer version is published. While a run trains the
/// versions it publishes are not measured (that would take CPU from training); its last one is, when
/// the run ends (see <see cref="RunQualityRecorder"/>).
/// </summary>
public sealed partial class SampleQuality : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<SampleQualityReport>>> reports = new();
    private readonly JudgeStore judges;
    private readonly Samplers samplers;
    private readonly ModelDatasets datasets;
    private readonly ModelHost models;
    private readonly ServedModels served;
    private readonly TrainingStatusFeed feed;
    private readonly IOptions<VaeOptions> options;
    private readonly ILogger<SampleQuality> logger;

    public SampleQuality(JudgeStore judges, Samplers samplers, ModelDatasets datasets, ModelHost models, ServedModels served, TrainingStatusFeed feed, IOptions<VaeOptions> options, ILogger<SampleQuality> logger)
    {
        (this.judges, this.samplers, this.datasets, this.models, this.served, this.feed, this.options, this.logger) = (judges, samplers, datasets, models, served, feed, options, logger);
        models.Published += Retain;
    }

    private JudgeOptions Settings => options.Value.Judge;

    /// <summary>The scores of <paramref name="modelVersion"/> if measured; otherwise starts what is needed (unless a run is active) and says what is under way.</summary>
    public SampleQualityStatus StatusOf(string modelVersion)
    {
        if (!Settings.Enabled)
        {
            return new("disabled", "Sample scoring is off (Vae:Judge:Enabled = false).", null);
        }

        var dataset = datasets.NameOf(modelVersion);
        if (reports.TryGetValue(modelVersion, out var measured) && measured.IsValueCreated)
        {
            return Describe(measured.Value);
        }

        var judge = judges.GetAsync(dataset);
        if (judge.IsFaulted)
        {
            return new("failed", $"The judge of data set '{dataset}' could not be trained: {judges.FailureOf(dataset)}", null);
        }

        if (!judge.IsCompleted)
        {
            return new("judge-training", $"The judge of data set '{dataset}' is training (once per data set, in the background).", null);
        }

        if (feed.Current.IsActive)
        {
            return new("after-run", "A run is training: its samples are scored when it ends.", null);
        }

        return Describe(MeasureAsync(modelVersion));
    }

    /// <summary>Measures <paramref name="modelVersion"/> once (later calls share the first): the serving model, or any run's checkpoint (loaded through <see cref="ServedModels"/>).</summary>
    public Task<SampleQualityReport> MeasureAsync(string modelVersion) =>
        reports.GetOrAdd(modelVersion, version => new Lazy<Task<SampleQualityReport>>(() => MeasureNowAsync(version))).Value;

    private async Task<SampleQualityReport> MeasureNowAsync(string version)
    {
        var judge = await judges.GetAsync(datasets.NameOf(version)).ConfigureAwait(false);
        return await Task.Factory.StartNew(
            () =>
            {
                // The serving model when it is this version; otherwise its checkpoint (a sweep's runs
                // finish one after another while the next one already serves).
                using var lease = served.Acquire(version);

                TorchThreads.ForThisThread(1);
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var report = samplers.Measure(lease.Model, judge, Settings.Samples);
                LogMeasured(version, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
                return report;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).ConfigureAwait(false);
    }

    private static SampleQualityStatus Describe(Task<SampleQualityReport> task) => task.Status switch
    {
        TaskStatus.RanToCompletion => new("ready", $"{task.Result.Samples} seeded draws per sampler, scored by the judge (test accuracy {task.Result.JudgeTestAccuracy:P1}).", task.Result),
        TaskStatus.Faulted or TaskStatus.Canceled => new("failed", task.Exception?.GetBaseException().Message ?? "cancelled", null),
        _ => new("measuring", "The judge is scoring this version's samples.", null),
    };

    /// <summary>Drops the scores of older versions (failed ones too, so a retry is possible).</summary>
    private void Retain(string version)
    {
        foreach (var key in reports.Keys.Where(k => k != version))
        {
            reports.TryRemove(key, out _);
        }
    }

    public void Dispose() => models.Published -= Retain;

    [LoggerMessage(Level = LogLevel.Information, Message = "Samples of model {ModelVersion} scored by the judge in {Seconds:F1} s")]
    private partial void LogMeasured(string modelVersion, double seconds);
}
