using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using VaeWeb.Configuration;

namespace VaeWeb.Limits;

/// <summary>
/// The one concurrency limiter shared by every compute endpoint (sampling, encoding, decoding,
/// interpolation, latent maps, evaluation): a few requests run, a short queue waits, the rest get
/// 429 with Retry-After. One shared limiter rather than one per endpoint, because they all compete
/// for the same CPU cores.
/// </summary>
public sealed class ComputeLimiter(LimitsOptions limits) : IDisposable
{
    /// <summary>The rate-limiting policy name: <c>.RequireRateLimiting(ComputeLimiter.PolicyName)</c>.</summary>
    public const string PolicyName = "compute";

    public ConcurrencyLimiter Limiter { get; } = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = limits.ComputeConcurrency,
        QueueLimit = limits.ComputeQueue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public void Dispose() => Limiter.Dispose();
}

public static class ComputeLimitsExtensions
{
    public static IServiceCollection AddComputeLimits(this IServiceCollection services, LimitsOptions limits)
    {
        services.AddSingleton(new ComputeLimiter(limits));
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(ComputeLimiter.PolicyName, context =>
            {
                var shared = context.RequestServices.GetRequiredService<ComputeLimiter>().Limiter;
                // One partition whose factory hands out the shared limiter: every compute endpoint draws on the same slots.
                return RateLimitPartition.Get(ComputeLimiter.PolicyName, _ => shared);
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                var seconds = Math.Max(1, (int)Math.Ceiling(limits.RetryAfter.TotalSeconds));
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                }

                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await TypedResults.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many compute requests",
                    detail: $"{limits.ComputeConcurrency} compute requests run at once and {limits.ComputeQueue} may wait; try again in {seconds} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
        services.AddRequestTimeouts(options =>
        {
            options.DefaultPolicy = new Microsoft.AspNetCore.Http.Timeouts.RequestTimeoutPolicy
            {
                Timeout = limits.RequestTimeout,
                TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
            };
        });
        return services;
    }

    /// <summary>Puts an endpoint or group on the shared compute limiter.</summary>
    public static TBuilder RequireComputeLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(ComputeLimiter.PolicyName);
}
