using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;

namespace VaeWeb.Limits;

/// <summary>
/// The one concurrency limiter shared by every compute endpoint (sampling, encoding, decoding,
/// interpolation, latent maps, evaluation): a few requests run, a short queue waits, the rest get
/// 429 with Retry-After. One shared limiter rather than one per endpoint, because they all compete
/// for the same CPU cores.
/// </summary>
public sealed class ComputeLimiter(IOptions<VaeOptions> options) : IDisposable
{
    /// <summary>The rate-limiting policy name: <c>.RequireRateLimiting(ComputeLimiter.PolicyName)</c>.</summary>
    public const string PolicyName = "compute";

    public ConcurrencyLimiter Limiter { get; } = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.Limits.ComputeConcurrency,
        QueueLimit = options.Value.Limits.ComputeQueue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public void Dispose() => Limiter.Dispose();
}

/// <summary>
/// The rate-limiting middleware disposes partition limiters it finds idle; the shared limiter
/// belongs to <see cref="ComputeLimiter"/>, so the middleware gets a view it cannot dispose.
/// </summary>
internal sealed class NonDisposingLimiter(RateLimiter inner) : RateLimiter
{
    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => inner.GetStatistics();

    protected override RateLimitLease AttemptAcquireCore(int permitCount) => inner.AttemptAcquire(permitCount);

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        inner.AcquireAsync(permitCount, cancellationToken);
}

public static class ComputeLimitsExtensions
{
    /// <summary>The compute limiter, request timeouts, Kestrel limits and the shutdown timeout, all from "Vae" options.</summary>
    public static IServiceCollection AddComputeLimits(this IServiceCollection services)
    {
        services.AddSingleton<ComputeLimiter>();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<VaeOptions>>((kestrel, vae) =>
        {
            var limits = vae.Value.Limits;
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            kestrel.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = limits.MaxConcurrentConnections;
            kestrel.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
        });
        // SIGTERM gives the run this long to checkpoint and record itself interrupted.
        services.AddOptions<HostOptions>().Configure<IOptions<VaeOptions>>((host, vae) => host.ShutdownTimeout = vae.Value.Training.ShutdownTimeout);
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<VaeOptions>>((options, vae) =>
        {
            var limits = vae.Value.Limits;
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddPolicy(ComputeLimiter.PolicyName, context =>
            {
                var shared = context.RequestServices.GetRequiredService<ComputeLimiter>().Limiter;
                // One partition handing out the shared limiter: every compute endpoint draws on the same slots.
                return RateLimitPartition.Get(ComputeLimiter.PolicyName, _ => new NonDisposingLimiter(shared));
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
        services.AddRateLimiter(_ => { });
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<VaeOptions>>((options, vae) =>
        {
            var limits = vae.Value.Limits;
            options.DefaultPolicy = new RequestTimeoutPolicy
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
