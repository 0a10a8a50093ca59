using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Serving;

namespace VaeWeb.Health;

/// <summary>Ready when a model serves: says which version.</summary>
public sealed class ModelLoadedHealthCheck(ModelHost models) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(models.CurrentVersion is { } version
            ? HealthCheckResult.Healthy($"serving {version}", new Dictionary<string, object> { ["modelVersion"] = version })
            : HealthCheckResult.Unhealthy("no model yet: the first one is served when the first epoch ends or a checkpoint loads"));
}

/// <summary>
/// Ready when the state directory takes a write (a trainer must be able to checkpoint and record
/// runs). A serve-only replica only reads it, so there a readable directory suffices.
/// </summary>
public sealed class StateStoreHealthCheck(IOptions<VaeOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var directory = Path.GetFullPath(options.Value.StateDirectory);
        try
        {
            if (!options.Value.Training.Enabled)
            {
                return Directory.Exists(directory)
                    ? HealthCheckResult.Healthy("state directory readable (serve-only)")
                    : HealthCheckResult.Unhealthy("state directory missing");
            }

            var probe = Path.Combine(directory, $".ready-{Environment.ProcessId}-{Guid.NewGuid():N}");
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
            File.Delete(probe);
            return HealthCheckResult.Healthy("state directory writable");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"state directory not writable: {e.Message}");
        }
    }
}

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (a model serves and the state store works).</summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddVaeHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<ModelLoadedHealthCheck>("model", tags: [ReadyTag])
            .AddCheck<StateStoreHealthCheck>("state-store", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        // Liveness runs no checks: a busy trainer or a missing model must not get the process restarted.
        routes.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .WithTags("Operations").WithSummary("Liveness: the process answers");
        routes.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync })
            .WithTags("Operations").WithSummary("Readiness: a model is loaded (which version) and the state store is writable; 503 otherwise");
        return routes;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var checks = report.Entries.ToDictionary(
            e => e.Key,
            e => new HealthCheckAnswer(e.Value.Status.ToString().ToLowerInvariant(), e.Value.Description));
        var version = report.Entries.Values.SelectMany(e => e.Data).Where(d => d.Key == "modelVersion").Select(d => d.Value as string).FirstOrDefault();
        return context.Response.WriteAsync(JsonSerializer.Serialize(new HealthAnswer(report.Status.ToString().ToLowerInvariant(), version, checks), Json));
    }
}

/// <summary>The body of <c>/healthz</c> and <c>/readyz</c>: healthy or unhealthy, the serving model, each check.</summary>
public sealed record HealthAnswer(string Status, string? ModelVersion, IReadOnlyDictionary<string, HealthCheckAnswer> Checks);

/// <summary>One check of <c>/readyz</c>.</summary>
public sealed record HealthCheckAnswer(string Status, string? Description);
