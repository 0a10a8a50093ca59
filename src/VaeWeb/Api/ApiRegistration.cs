using VaeWeb.Configuration;
using VaeWeb.OpenApi;
using VaeWeb.Security;

namespace VaeWeb.Api;

public static class ApiRegistration
{
    /// <summary>JSON settings, ProblemDetails and the OpenAPI document with the filters that make it exact.</summary>
    public static IServiceCollection AddVaeApi(this IServiceCollection services)
    {
        services.AddSingleton(new JsonSerializerOptionsProvider());
        services.ConfigureHttpJsonOptions(o => JsonSerializerOptionsProvider.Configure(o.SerializerOptions));
        services.AddProblemDetails();
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new() { Title = "VaeWeb", Version = "v1", Description = "Train a convolutional VAE on handwritten digits and explore its latent space." });
            o.AddSecurityDefinition(ApiKeyAccess.SchemeName, ApiKeyOpenApiFilter.Scheme);
            o.OperationFilter<ApiKeyOpenApiFilter>();
            o.OperationFilter<ExactContentFilter>();
            o.OperationFilter<ParameterSchemaFilter>();
            o.DocumentFilter<OperationsDocumentFilter>();
        });
        return services;
    }

    /// <summary>
    /// <c>/swagger/v1/swagger.json</c> and the UI at <c>/swagger</c>. The document names the address
    /// the client used (behind a known proxy, the forwarded one) as its server.
    /// </summary>
    public static WebApplication UseVaeOpenApi(this WebApplication app)
    {
        app.UseSwagger(o => o.PreSerializeFilters.Add((document, request) =>
            document.Servers = [new Microsoft.OpenApi.OpenApiServer { Url = $"{request.Scheme}://{request.Host.Value}{request.PathBase}" }]));
        app.UseSwaggerUI(o => o.RoutePrefix = "swagger");
        return app;
    }
}
