using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using VaeWeb.Api;
using VaeWeb.Configuration;
using VaeWeb.Serving;

namespace VaeWeb.OpenApi;

/// <summary>
/// The real types of the query and path parameters. Handlers bind them as text and read them with
/// <c>QueryInput</c> (so a wrong value gets a message naming the field); this filter declares what
/// that reader accepts, from the same <see cref="Ranges"/> and options.
/// </summary>
public sealed class ParameterSchemaFilter(IOptions<VaeOptions> options) : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (Describe(operation.OperationId, parameter.Name) is { } described)
            {
                parameter.Schema = described.Schema;
                parameter.Description = described.Description;
            }

            // Bound as nullable text so the handler's own message names a missing value; [Required] on it says the value is needed.
            if (context.ApiDescription.ParameterDescriptions.FirstOrDefault(p => p.Name == parameter.Name)?.ParameterDescriptor
                is IParameterInfoParameterDescriptor { ParameterInfo: var info } && info.IsDefined(typeof(RequiredAttribute), inherit: false))
            {
                parameter.Required = true;
            }
        }
    }

    private (OpenApiSchema Schema, string Description)? Describe(string? operation, string? name)
    {
        var serving = options.Value.Serving;
        return (operation, name) switch
        {
            ("GetSamples", "n") => (Integer(Ranges.MinItems, serving.MaxItems, Ranges.DefaultSamples), "How many images to draw."),
            ("GetLatentMap", "n") => (Integer(Ranges.MinMapPoints, null, null), "How many test images, the first n (at most the test split's size; default all)."),
            (_, "seed") => (Long(0), "Seed of the draw: the same seed and model version give the same answer (default: a random one)."),
            (_, "format") => (Enum(["png", "json"], null), "png or json; when absent the Accept header decides (PNG unless it prefers application/json)."),
            (_, "sample") => (new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = JsonValue.Create(false) }, "Also draw z = μ + σ·ε (for an upload; a JSON body says it in its own field)."),
            (_, "split") => (Enum(["train", "test"], null), "The split of the data set."),
            (_, "index") => (Integer(0, null, null), "The image's position in the split, from 0."),
            (_, "name") => (Enum([.. options.Value.Datasets.Keys.Order(StringComparer.Ordinal)], null), "A configured data set (default: the serving model's)."),
            ("CompareRuns", "ids") => (new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[^,]+(,[^,]+)*$" }, $"1 to {Training.RunComparison.MostRuns} distinct run ids, comma-separated, as GET /runs lists them."),
            (_, "model") => (new OpenApiSchema { Type = JsonSchemaType.String, Pattern = ServedModels.NameRule }, "A run id (its last epoch) or a version '<runId>.e<k>' to answer with; default: the pinned version (GET /serving), else the newest."),
            (_, "id") => (new OpenApiSchema { Type = JsonSchemaType.String }, "The run's id, as GET /runs lists it."),
            ("GetSamples", "sampler") => (Enum(["prior", "aggregate"], "prior"), "Where z comes from: prior = N(0, I) (the reference); aggregate = per-class full-covariance Gaussians fitted to the training set's μ."),
            ("GetSamples", "temperature") => (new OpenApiSchema { Type = JsonSchemaType.Number, Format = "double", Minimum = "0", Maximum = SamplerQuery.MaxTemperature.ToString(CultureInfo.InvariantCulture), Default = JsonValue.Create(1.0) }, "Scales the sampler's spread (1 = as fitted; 0 = each class mean)."),
            ("GetSamples", "digit") => (Integer(0, SamplerQuery.Classes - 1, null), "Draw only this class (needs sampler=aggregate)."),
            ("GetLatentMap", "mu") => (new OpenApiSchema { Type = JsonSchemaType.Boolean, Default = JsonValue.Create(false) }, "Also return each point's μ (for a projection of your own, such as the page's UMAP)."),
            _ => null,
        };
    }

    private static OpenApiSchema Integer(int min, int? max, int? fallback) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = min.ToString(CultureInfo.InvariantCulture),
        Maximum = max?.ToString(CultureInfo.InvariantCulture),
        Default = fallback is { } value ? JsonValue.Create(value) : null,
    };

    private static OpenApiSchema Long(long min) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int64",
        Minimum = min.ToString(CultureInfo.InvariantCulture),
    };

    private static OpenApiSchema Enum(string[] values, string? fallback) => new()
    {
        Type = JsonSchemaType.String,
        Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))],
        Default = fallback is null ? null : JsonValue.Create(fallback),
    };
}
