using VaeWeb.Health;
using VaeWeb.Limits;
using VaeWeb.Metrics;
using VaeWeb.Security;

namespace VaeWeb.Configuration;

public static class OperationsRegistration
{
    /// <summary>Who may call what, proxies, compute and upload limits, health checks and metrics.</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddSingleton<ApiKeyAccess>();
        services.AddVaeForwardedHeaders();
        services.AddComputeLimits();
        services.AddVaeHealthChecks();
        services.AddSingleton<TrainingMetrics>();
        return services;
    }

    /// <summary><c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder routes)
    {
        routes.MapHealthEndpoints();
        routes.MapVaeMetrics();
        return routes;
    }
}
