using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Data;
using VaeWeb.Vae.Judge;

namespace VaeWeb.Serving;

/// <summary>A trained judge of one data set and its features' statistics on that set's test split.</summary>
public sealed record JudgeEntry(string Dataset, DigitJudge Judge, FeatureStatistics Test, double TestAccuracy, bool Loaded);

/// <summary>
/// One <see cref="DigitJudge"/> per data set: loaded from the state directory (<c>judges/&lt;name&gt;…bin</c>,
/// the file name carries the judge's settings) or trained once on that set's train split, on one thread
/// in the background, when first asked for. Only the trainer writes it; a serve-only replica trains its
/// own copy in memory if the trainer has not saved one yet, and never writes to the shared directory.
/// </summary>
public sealed partial class JudgeStore(IOptions<VaeOptions> options, DatasetCatalog datasets, ILogger<JudgeStore> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<JudgeEntry>>> judges = new();
    private readonly CancellationTokenSource stopping = new();

    private JudgeOptions Settings => options.Value.Judge;

    /// <summary>The judge of <paramref name="dataset"/>, training it first if it has never been trained.</summary>
    public Task<JudgeEntry> GetAsync(string dataset) =>
        judges.GetOrAdd(dataset, name => new Lazy<Task<JudgeEntry>>(() => Task.Factory.StartNew(() => LoadOrTrain(name), stopping.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default))).Value;

    /// <summary>The judge when it is ready; otherwise starts preparing it and returns null.</summary>
    public JudgeEntry? TryGet(string dataset)
    {
        var task = GetAsync(dataset);
        return task.IsCompletedSuccessfully ? task.Result : null;
    }

    /// <summary>Why the judge of <paramref name="dataset"/> is not there: null while it trains (or when ready), the error when training failed.</summary>
    public string? FailureOf(string dataset) =>
        judges.TryGetValue(dataset, out var lazy) && lazy.IsValueCreated && lazy.Value.IsFaulted ? lazy.Value.Exception?.GetBaseException().Message : null;

    private string PathOf(string dataset)
    {
        var limit = Settings.TrainImages is { } n ? $".n{n}" : "";
        return Path.Combine(Path.GetFullPath(options.Value.StateDirectory), "judges", $"{dataset}.e{Settings.Epochs}{limit}.bin");
    }

    private JudgeEntry LoadOrTrain(string dataset)
    {
        var data = datasets.Get(dataset);
        var path = PathOf(dataset);
        var judge = DigitJudge.TryLoad(path);
        var loaded = judge is not null;
        if (judge is null)
        {
            var images = Math.Min(data.Train.Count, Settings.TrainImages ?? int.MaxValue);
            LogTraining(dataset, images, Settings.Epochs);
            // One thread: the judge trains beside the VAE, which keeps its own width.
            judge = DigitJudge.Train(data, Settings.Epochs, threads: 1, trainImages: Settings.TrainImages, cancellationToken: stopping.Token);
            LogTrained(dataset, judge.TestAccuracy);
            if (options.Value.Training.Enabled)
            {
                Save(judge, path);
            }
        }

        VaeWeb.Vae.TorchThreads.ForThisThread(1);
        return new JudgeEntry(dataset, judge, judge.Statistics(data.Test.Images), judge.TestAccuracy, loaded);
    }

    /// <summary>Written aside, then renamed: a reader never loads half a judge.</summary>
    private static void Save(DigitJudge judge, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        judge.SaveTo(temporary);
        File.Move(temporary + ".accuracy", path + ".accuracy", overwrite: true);
        File.Move(temporary, path, overwrite: true);
    }

    public void Dispose()
    {
        // A judge still training stops at its next batch; wait for it so no tensor work outlives the data sets.
        stopping.Cancel();
        foreach (var lazy in judges.Values.Where(l => l.IsValueCreated))
        {
            try
            {
                lazy.Value.Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
                // Cancelled or failed: nothing to dispose.
            }

            if (lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Judge.Dispose();
                lazy.Value.Result.Test.Dispose();
            }
        }

        stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training the sample judge of data set {Dataset} on {Images} images for {Epochs} epochs (once per data set)")]
    private partial void LogTraining(string dataset, int images, int epochs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample judge of data set {Dataset} trained: test accuracy {Accuracy:P2}")]
    private partial void LogTrained(string dataset, double accuracy);
}
