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
    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
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
            },
        },
    };

    private static OpenApiResponse Json(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType> { ["application/json"] = new OpenApiMediaType { Schema = schema } },
    };
}
