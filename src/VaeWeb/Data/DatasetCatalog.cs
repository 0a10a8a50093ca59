using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Vae.Data;

namespace VaeWeb.Data;

/// <summary>
/// The configured data sets, each loaded once on first use and then shared read-only by
/// training and serving (one float tensor per split).
/// </summary>
public sealed class DatasetCatalog(IOptions<VaeOptions> options, ILogger<DatasetCatalog> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<DigitDataset>> loaded = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => options.Value.Datasets.Keys;

    public string DefaultName => options.Value.DefaultDataset;

    public bool Contains(string name) => options.Value.Datasets.ContainsKey(name);

    public DigitDataset Get(string name)
    {
        if (!options.Value.Datasets.TryGetValue(name, out var config))
        {
            throw new KeyNotFoundException($"No data set named '{name}' is configured; known: {string.Join(", ", Names)}.");
        }

        var lazy = loaded.GetOrAdd(name, key => new Lazy<DigitDataset>(() => Load(key, config)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed load (a missing folder, say) should be retried next time, not cached.
            loaded.TryRemove(name, out _);
            throw;
        }
    }

    private DigitDataset Load(string name, DatasetOptions config)
    {
        var path = Path.IsPathRooted(config.Path) ? config.Path : Path.Combine(AppContext.BaseDirectory, config.Path);
        var full = DigitDataset.Load(name, path);
        if (config.TrainLimit is null && config.TestLimit is null)
        {
            logger.LogInformation("Loaded data set {Dataset}: {Train} train and {Test} test images", name, full.Train.Count, full.Test.Count);
            return full;
        }

        using (full)
        {
            var sliced = new DigitDataset(
                name,
                full.Train.Take(config.TrainLimit ?? full.Train.Count),
                full.Test.Take(config.TestLimit ?? full.Test.Count));
            logger.LogInformation("Loaded data set {Dataset} (sliced): {Train} train and {Test} test images", name, sliced.Train.Count, sliced.Test.Count);
            return sliced;
        }
    }

    public void Dispose()
    {
        foreach (var lazy in loaded.Values.Where(l => l.IsValueCreated))
        {
            lazy.Value.Dispose();
        }
    }
}
