using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Data;
using VaeWeb.Vae.Judge;

namespace VaeWeb.Serving;

/// <summary>A trained judge of one data set and its features' statistics on that set's test split.</summary>
public sealed record JudgeEntry(string Dataset, DigitJudge Judge, FeatureStatistics Test, double TestAccuracy, bool Loaded);

/// <summary>
/// One <see cref="DigitJudge"/> per data set: loaded from the state directory (<c>judges/&lt;name&gt;.bin</c>)
/// or trained once on that set's train split, on one thread in the background, when first asked for.
/// Only the trainer writes it; a serve-only replica trains its own copy in memory if the trainer has
/// not saved one yet, and never writes to the shared directory.
/// </summary>
public sealed partial class JudgeStore(IOptions<VaeOptions> options, DatasetCatalog datasets, ILogger<JudgeStore> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<JudgeEntry>>> judges = new();

    /// <summary>The judge of <paramref name="dataset"/>, training it first if it has never been trained.</summary>
    public Task<JudgeEntry> GetAsync(string dataset) =>
        judges.GetOrAdd(dataset, name => new Lazy<Task<JudgeEntry>>(() => Task.Factory.StartNew(() => LoadOrTrain(name), TaskCreationOptions.LongRunning))).Value;

    /// <summary>The judge when it is ready; otherwise starts preparing it and returns null.</summary>
    public JudgeEntry? TryGet(string dataset)
    {
        var task = GetAsync(dataset);
        return task.IsCompletedSuccessfully ? task.Result : null;
    }

    private string PathOf(string dataset) => Path.Combine(Path.GetFullPath(options.Value.StateDirectory), "judges", $"{dataset}.bin");

    private JudgeEntry LoadOrTrain(string dataset)
    {
        var data = datasets.Get(dataset);
        var path = PathOf(dataset);
        var judge = DigitJudge.TryLoad(path);
        var loaded = judge is not null;
        if (judge is null)
        {
            LogTraining(dataset, data.Train.Count);
            // One thread: the judge trains beside the VAE, which keeps its own width.
            judge = DigitJudge.Train(data, threads: 1);
            LogTrained(dataset, judge.TestAccuracy);
            if (options.Value.Training.Enabled)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                var temporary = path + ".tmp";
                judge.SaveTo(temporary);
                File.Move(temporary + ".accuracy", path + ".accuracy", overwrite: true);
                File.Move(temporary, path, overwrite: true);
            }
        }

        VaeWeb.Vae.TorchThreads.ForThisThread(1);
        return new JudgeEntry(dataset, judge, judge.Statistics(data.Test.Images), judge.TestAccuracy, loaded);
    }

    public void Dispose()
    {
        foreach (var lazy in judges.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Judge.Dispose();
                lazy.Value.Result.Test.Dispose();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training the sample judge of data set {Dataset} on {Images} images (once per data set)")]
    private partial void LogTraining(string dataset, int images);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample judge of data set {Dataset} trained: test accuracy {Accuracy:P2}")]
    private partial void LogTrained(string dataset, double accuracy);
}
