using System.Collections.Concurrent;
using VaeWeb.Data;
using VaeWeb.Training;
using VaeWeb.Vae.Data;

namespace VaeWeb.Serving;

/// <summary>Which data set a model version was trained on (from its run), so its latent map and evaluations use that set's test split.</summary>
public sealed class ModelDatasets(RunStore runs, DatasetCatalog catalog)
{
    private readonly ConcurrentDictionary<string, string> names = new();

    /// <summary>The data set name of <paramref name="modelVersion"/> ("run.eN"); the configured default when the run is unknown.</summary>
    public string NameOf(string modelVersion) => names.GetOrAdd(modelVersion, version =>
    {
        var cut = version.LastIndexOf(".e", StringComparison.Ordinal);
        var runId = cut > 0 ? version[..cut] : version;
        var name = runs.Get(runId)?.Parameters.Dataset;
        return name is not null && catalog.Contains(name) ? name : catalog.DefaultName;
    });

    public DigitDataset Of(string modelVersion) => catalog.Get(NameOf(modelVersion));
}
