using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Data;
using VaeWeb.Imaging;
using VaeWeb.Serving;
using VaeWeb.Vae.Data;

namespace VaeWeb.Api;

/// <summary>The size of one split and how many images carry each label.</summary>
public sealed record SplitSummary(int Count, IReadOnlyDictionary<string, int> LabelCounts);

/// <summary><c>GET /dataset</c>: what a data set holds.</summary>
public sealed record DatasetResponse(string Name, IReadOnlyList<string> Available, SplitSummary Train, SplitSummary Test);

/// <summary><c>GET /dataset/{split}/{index}</c> as JSON: the image (784 values in [0, 1]) and its label.</summary>
public sealed record DatasetImageResponse(string Dataset, string Split, int Index, int Label, float[] Pixels);

/// <summary><c>/dataset</c>: read access to the training and test images.</summary>
public static class DatasetApi
{
    public static RouteGroupBuilder MapDatasetApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/dataset").WithTags("Data");
        group.MapGet("/", GetDataset)
            .WithName("GetDataset")
            .WithSummary("The data set's name, split sizes and label counts")
            .WithDescription("name= picks a configured data set; the default is the one the serving model was trained on (or the configured default).")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        group.MapGet("/{split}/{index}", GetImage)
            .WithName("GetDatasetImage")
            .WithSummary("One image of the train or test split with its label")
            .WithDescription("A 28×28 PNG by default (label in the X-Label header); JSON {split, index, label, pixels} with Accept: application/json or format=json.")
            .ProducesImageOr<DatasetImageResponse>()
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        return group;
    }

    public static Ok<DatasetResponse> GetDataset(
        ModelHost models,
        ModelDatasets modelDatasets,
        DatasetCatalog catalog,
        [FromQuery(Name = "name")] string? name)
    {
        var (resolved, data) = Resolve(name, models, modelDatasets, catalog);
        return TypedResults.Ok(new DatasetResponse(resolved, catalog.Names.ToArray(), Summarise(data.Train), Summarise(data.Test)));
    }

    public static Results<FileContentHttpResult, Ok<DatasetImageResponse>> GetImage(
        HttpContext context,
        ModelHost models,
        ModelDatasets modelDatasets,
        DatasetCatalog catalog,
        string split,
        string index,
        [FromQuery(Name = "name")] string? name,
        [FromQuery(Name = "format")] string? format)
    {
        var json = ResponseFormat.WantsJson(context.Request, QueryInput.Format(format));
        var splitName = split.ToLowerInvariant();
        if (splitName is not ("train" or "test"))
        {
            throw new BadInputException(StatusCodes.Status404NotFound, "split", $"split must be 'train' or 'test', got '{split}'.");
        }

        var (resolved, data) = Resolve(name, models, modelDatasets, catalog);
        var images = splitName == "train" ? data.Train : data.Test;
        if (!int.TryParse(index, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i))
        {
            throw BadInputException.Invalid("index", $"index must be an integer from 0 to {images.Count - 1}, got '{index}'.");
        }

        if (i < 0 || i >= images.Count)
        {
            throw new BadInputException(StatusCodes.Status404NotFound, "index", $"index must be from 0 to {images.Count - 1} ({splitName} split of '{resolved}'), got {i}.");
        }

        var pixels = images.Pixels(i);
        var label = images.Labels[i];
        if (models.CurrentVersion is { } version)
        {
            context.Response.Headers[ResponseFormat.ModelVersionHeader] = version;
        }

        context.Response.Headers["X-Label"] = label.ToString(CultureInfo.InvariantCulture);
        return json
            ? TypedResults.Ok(new DatasetImageResponse(resolved, splitName, i, label, pixels))
            : TypedResults.File(PngRenderer.Grid([pixels]), "image/png");
    }

    private static (string Name, DigitDataset Data) Resolve(string? name, ModelHost models, ModelDatasets modelDatasets, DatasetCatalog catalog)
    {
        if (name is not null)
        {
            var match = catalog.Names.FirstOrDefault(n => n.Equals(name, StringComparison.OrdinalIgnoreCase))
                ?? throw BadInputException.Invalid("name", $"name must be one of the configured data sets ({string.Join(", ", catalog.Names)}), got '{name}'.");
            return (match, Load(match, catalog));
        }

        var resolved = models.CurrentVersion is { } version ? modelDatasets.NameOf(version) : catalog.DefaultName;
        return (resolved, Load(resolved, catalog));
    }

    private static DigitDataset Load(string name, DatasetCatalog catalog)
    {
        try
        {
            return catalog.Get(name);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IdxFormatException)
        {
            throw new BadInputException(StatusCodes.Status404NotFound, "name", $"Data set '{name}' cannot be read here: {e.Message}");
        }
    }

    private static SplitSummary Summarise(DigitSplit split)
    {
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var label in split.Labels)
        {
            var key = label.ToString(CultureInfo.InvariantCulture);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return new SplitSummary(split.Count, counts);
    }
}
