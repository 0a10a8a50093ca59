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
        // Brotli or gzip for the page's scripts and styles and for JSON answers (the first view's
        // interpolation walk is ~95 KB of JSON, a fifth of that compressed), to browsers that ask.
        // Plain HTTP only by default (EnableForHttps stays off, against BREACH); PNGs and the event
        // stream are not in the MIME list, so they pass through untouched.
        services.AddResponseCompression();
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
