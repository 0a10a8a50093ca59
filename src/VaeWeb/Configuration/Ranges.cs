namespace VaeWeb.Configuration;

/// <summary>
/// The allowed ranges and defaults of what configuration and requests may set, in one place: the
/// <c>[Range]</c> attributes of the options, the request readers' checks and messages, and the
/// OpenAPI document all read these constants, so they cannot drift apart.
/// </summary>
public static class Ranges
{
    public const int MinEpochs = 1;
    public const int MaxEpochs = 1000;
    public const int MinBatchSize = 1;
    public const int MaxBatchSize = 4096;
    public const double MinLearningRate = 1e-7;
    public const double MaxLearningRate = 1.0;
    public const int MinLatentDim = 2;
    public const int MaxLatentDim = 512;
    public const double MinBeta = 0.0;
    public const double MaxBeta = 1000.0;
    public const int MinChannels = 1;
    public const int MaxChannels = 256;
    public const int MinHiddenUnits = 1;
    public const int MaxHiddenUnits = 4096;

    /// <summary>Images or latent vectors one request may carry (the configured Vae:Serving:MaxItems lies in here).</summary>
    public const int MinItems = 1;
    public const int MaxItems = 4096;

    /// <summary>Importance samples per image of <c>POST /evaluate</c> (its default and its cap are configured in here).</summary>
    public const int MinEvaluationK = 1;
    public const int MaxEvaluationK = 10000;

    /// <summary><c>GET /samples</c> draws this many when <c>n</c> is not given.</summary>
    public const int DefaultSamples = 16;

    /// <summary><c>POST /interpolate</c>: images along the path, ends included.</summary>
    public const int MinSteps = 2;
    public const int MaxSteps = 64;
    public const int DefaultSteps = 10;

    /// <summary><c>GET /latent-map</c>: a plane needs at least two points.</summary>
    public const int MinMapPoints = 2;
}
