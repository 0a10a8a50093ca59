using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace VaeWeb.Security;

/// <summary>Declares the X-Api-Key scheme on the operations that may require it, and their 401/403 answers.</summary>
public sealed class ApiKeyOpenApiFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var method = context.ApiDescription.HttpMethod ?? "GET";
        var unsafeMethod = !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method) && !HttpMethods.IsOptions(method);
        var requirement = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<AccessRequirement>().LastOrDefault();
        if (unsafeMethod)
        {
            operation.Responses ??= [];
            operation.Responses.TryAdd("403", new OpenApiResponse
            {
                Description = "Refused: sent by a browser page from another origin (Origin not this service's nor in Vae:Security:AllowedOrigins, or Sec-Fetch-Site: cross-site)" +
                    (requirement?.Level == AccessLevel.TrainingControl ? "; or no API key is configured and the client is not on loopback" : ""),
            });
        }

        if (requirement is null)
        {
            return;
        }

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(ApiKeyAccess.SchemeName, context.Document)] = [],
        });
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "An API key is configured and the request did not carry it in X-Api-Key" });
        if (requirement.Level == AccessLevel.TrainingControl)
        {
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = "No API key is configured and the client is not on loopback" });
        }
    }

    public static OpenApiSecurityScheme Scheme => new()
    {
        Type = SecuritySchemeType.ApiKey,
        In = ParameterLocation.Header,
        Name = ApiKeyAccess.HeaderName,
        Description = "Required for training control when Vae:Security:ApiKey is set (otherwise training control is loopback-only); required for reads too when Vae:Security:RequireKeyForReads is on.",
    };
}
