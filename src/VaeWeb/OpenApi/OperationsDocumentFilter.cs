using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;
using VaeWeb.Health;

namespace VaeWeb.OpenApi;

/// <summary>
/// Lists <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>: they are health-check and Prometheus
/// endpoints, which the API explorer does not see, but clients and probes call them all the same.
/// </summary>
public sealed class OperationsDocumentFilter : IDocumentFilter
{
    /// <summary>Every tag the operations use, each with what it groups.</summary>
    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Training"] = "Start, watch and cancel the one training run; the run history.",
        ["Generation"] = "Images drawn from the prior.",
        ["Latent space"] = "Encode, decode, reconstruct, interpolate, map and evaluate with the serving model.",
        ["Data"] = "The training and test images of the configured data sets.",
        ["Operations"] = "Liveness, readiness and Prometheus metrics.",
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        swaggerDoc.Tags = new HashSet<OpenApiTag>(TagDescriptions.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }));
        var health = context.SchemaGenerator.GenerateSchema(typeof(HealthAnswer), context.SchemaRepository);
        swaggerDoc.Paths["/healthz"] = Get(swaggerDoc, "GetHealth", "Liveness: the process answers", new OpenApiResponses
        {
            ["200"] = Json("The process answers (no checks run).", health),
        });
        swaggerDoc.Paths["/readyz"] = Get(swaggerDoc, "GetReadiness", "Readiness: a model is loaded (which version) and the state store is writable; 503 otherwise", new OpenApiResponses
        {
            ["200"] = Json("Ready: a model serves and the state store works.", health),
            ["503"] = Json("Not ready: no model yet, or the state store fails; the checks say which.", health),
        });
        swaggerDoc.Paths["/metrics"] = Get(swaggerDoc, "GetMetrics", "Prometheus metrics (text exposition format)", new OpenApiResponses
        {
            ["200"] = new OpenApiResponse
            {
                Description = "Counters, gauges and histograms of HTTP, inference and training.",
                Content = new Dictionary<string, IOpenApiMediaType> { ["text/plain"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
            },
        });
    }

    private static OpenApiPathItem Get(OpenApiDocument document, string id, string summary, OpenApiResponses responses) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new OpenApiOperation
            {
                OperationId = id,
                Summary = summary,
                Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
                Responses = responses,
                // Open to every caller, probes included: an empty requirement says "no key needed".
                Security = [new OpenApiSecurityRequirement()],
            },
        },
    };

    private static OpenApiResponse Json(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } },
    };
}
