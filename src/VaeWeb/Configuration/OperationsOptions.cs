using System.ComponentModel.DataAnnotations;

namespace VaeWeb.Configuration;

/// <summary>"Vae:Security": who may control training and read.</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// The key clients send as <c>X-Api-Key</c>. When set, training control requires it; when
    /// empty, training control is accepted only from loopback clients. Never logged.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Put read-only and inference endpoints behind the key too (only when a key is set).</summary>
    public bool RequireKeyForReads { get; set; }

    /// <summary>
    /// Origins (scheme://host:port) of web applications whose pages may send state-changing
    /// requests through their visitors' browsers. Empty: only the service's own page may.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>Addresses of reverse proxies whose X-Forwarded-* headers are believed (e.g. 127.0.0.1 for nginx on the same host). Empty: forwarded headers are ignored.</summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. 10.0.0.0/8) of such proxies, for balancers whose address changes (Kubernetes ingress).</summary>
    public string[] KnownNetworks { get; set; } = [];
}

/// <summary>"Vae:Limits": what one client may ask of the service.</summary>
public sealed class LimitsOptions
{
    /// <summary>Largest body an upload endpoint (an image, a training request) accepts; larger is 413.</summary>
    [Range(1024, 64L * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest image, in pixels (width × height), an upload may declare; checked before decoding.</summary>
    [Range(784, 100_000_000)]
    public long MaxUploadPixels { get; set; } = 4096L * 4096;

    /// <summary>
    /// Memory one upload's decoding may hold at once (pixels, decoder buffers, resizing); beyond it
    /// the upload is refused with 413. The default covers a progressive colour JPEG of
    /// <see cref="MaxUploadPixels"/> pixels.
    /// </summary>
    [Range(1024 * 1024, 4L * 1024 * 1024 * 1024)]
    public long MaxDecodeBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Kestrel's limit for any request body (JSON latent batches can be larger than an image upload).</summary>
    [Range(1024, 256L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>Compute requests (sampling, encoding, decoding, …) running at once.</summary>
    [Range(1, 1024)]
    public int ComputeConcurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>Compute requests that may wait for a slot; beyond it clients get 429.</summary>
    [Range(0, 10_000)]
    public int ComputeQueue { get; set; } = 32;

    /// <summary>What a 429 tells the client to wait (the <c>Retry-After</c> header, whole seconds).</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// What a 503 "no model yet" tells the client to wait (<c>Retry-After</c>, whole seconds): the
    /// first model is served when the first epoch ends, which takes seconds to minutes.
    /// </summary>
    public TimeSpan NoModelRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a request may take before it is cancelled with 504 (event streams are exempt).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Kestrel: open connections at once.</summary>
    [Range(1, 1_000_000)]
    public long MaxConcurrentConnections { get; set; } = 1000;

    /// <summary>Kestrel: time a client has to send its request headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// "Vae:TestHooks": fault injection for the test suite only. Start-up validation refuses any of
/// these in the Production environment, and no HTTP request can set them.
/// </summary>
public sealed class TestHooksOptions
{
    /// <summary>
    /// After this many training steps of a run, overwrite a weight with NaN so the next loss is
    /// non-finite. Fires once per process (the next run trains normally).
    /// </summary>
    [Range(1, int.MaxValue)]
    public int? PoisonWeightsAfterStep { get; set; }

    public bool AnySet => PoisonWeightsAfterStep is not null;
}
