using VaeWeb.Serving;

namespace VaeWeb.Training;

/// <summary>
/// Runs lined up for comparison (<c>GET /runs/compare</c>): one epoch axis, 1 to the longest run's
/// last epoch, and each run's curves on it.
/// </summary>
/// <param name="Epochs">The shared axis: 1, 2, … the largest epoch any of the runs has finished.</param>
/// <param name="Runs">The runs in the order they were asked for.</param>
public sealed record RunComparison(IReadOnlyList<int> Epochs, IReadOnlyList<ComparedRun> Runs)
{
    /// <summary>The most runs one comparison lines up (the page's palette has as many colours).</summary>
    public const int MostRuns = 10;

    /// <summary>Lines <paramref name="runs"/> up on the epochs of the longest of them.</summary>
    public static RunComparison Of(IReadOnlyList<RunRecord> runs)
    {
        var last = runs.SelectMany(r => r.Epochs).Select(e => e.Epoch).DefaultIfEmpty(0).Max();
        var epochs = Enumerable.Range(1, last).ToList();
        return new RunComparison(epochs, [.. runs.Select(r => ComparedRun.Of(r, last))]);
    }
}

/// <summary>One run of a comparison: what it was asked to do, where it stands and its curves.</summary>
/// <param name="Final">Its last finished epoch's metrics (losses, test losses, the model version it published); null before the first epoch ends.</param>
/// <param name="SampleQuality">The judge's scores of its final model's samples, once the run has completed and been scored.</param>
public sealed record ComparedRun(
    string RunId,
    RunState State,
    RunParameters Parameters,
    EpochMetrics? Final,
    SampleQualityReport? SampleQuality,
    RunCurves Curves)
{
    public static ComparedRun Of(RunRecord run, int epochs) =>
        new(run.RunId, run.State, run.Parameters, LastEpoch(run.Epochs), run.SampleQuality, RunCurves.Of(run.Epochs, epochs));

    /// <summary>The highest epoch's metrics, its last record if it has two (as the curves take it).</summary>
    private static EpochMetrics? LastEpoch(IReadOnlyList<EpochMetrics> epochs) =>
        epochs.Aggregate((EpochMetrics?)null, (last, e) => last is null || e.Epoch >= last.Epoch ? e : last);
}

/// <summary>
/// A run's per-epoch metrics aligned to the comparison's epoch axis: entry k is epoch k + 1, null
/// where the run has not finished that epoch (it is shorter, or still training).
/// </summary>
public sealed record RunCurves(
    IReadOnlyList<double?> Loss,
    IReadOnlyList<double?> Reconstruction,
    IReadOnlyList<double?> Kl,
    IReadOnlyList<double?> TestLoss,
    IReadOnlyList<double?> TestReconstruction,
    IReadOnlyList<double?> TestKl)
{
    public static RunCurves Of(IReadOnlyList<EpochMetrics> metrics, int epochs)
    {
        // A resumed run records each epoch once, but the last record of an epoch wins if one repeats.
        var byEpoch = new Dictionary<int, EpochMetrics>();
        foreach (var m in metrics.Where(m => m.Epoch >= 1 && m.Epoch <= epochs))
        {
            byEpoch[m.Epoch] = m;
        }

        IReadOnlyList<double?> Curve(Func<EpochMetrics, double> value) =>
            [.. Enumerable.Range(1, epochs).Select(k => byEpoch.TryGetValue(k, out var m) ? value(m) : (double?)null)];

        return new RunCurves(
            Curve(m => m.Loss),
            Curve(m => m.Reconstruction),
            Curve(m => m.Kl),
            Curve(m => m.TestLoss),
            Curve(m => m.TestReconstruction),
            Curve(m => m.TestKl));
    }
}
