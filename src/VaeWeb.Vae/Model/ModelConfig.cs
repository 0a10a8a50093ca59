namespace VaeWeb.Vae.Model;

/// <summary>How the decoder's output is scored against the input.</summary>
public enum Likelihood
{
    /// <summary>Summed squared error: a Gaussian decoder of fixed variance (the reference).</summary>
    Gaussian,

    /// <summary>Summed binary cross-entropy: a Bernoulli decoder.</summary>
    Bernoulli,

    /// <summary>
    /// A calibrated Gaussian decoder (σ-VAE, Rybkin, Daniilidis &amp; Levine 2021, "optimal σ"): one
    /// variance shared by every pixel, set to its maximum-likelihood value σ² = the batch's mean
    /// squared error, so −log p(x|z) = Σ(x − x̂)²/(2σ²) + (d/2)·ln(2πσ²) with no extra parameter. The
    /// reference's fixed σ² = ½ weighs the KL far too much against the pixels (blurry digits);
    /// the calibrated σ² ≈ 0.01 balances them.
    /// </summary>
    Calibrated,
}

/// <summary>The shape of the convolutional VAE; the defaults are the reference model.</summary>
public sealed record ModelConfig
{
    public const int ImageSide = 28;
    public const int Pixels = ImageSide * ImageSide;

    public int Conv1Channels { get; init; } = 32;
    public int Conv2Channels { get; init; } = 64;
    public int HiddenUnits { get; init; } = 128;
    public int LatentDim { get; init; } = 64;
    public Likelihood Likelihood { get; init; } = Likelihood.Gaussian;

    /// <summary>Weight of the KL term (β-VAE); 1 is the ordinary ELBO.</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>The two stride-2 convolutions take 28×28 down to 7×7.</summary>
    public int FlatFeatures => Conv2Channels * 7 * 7;

    public static ModelConfig Reference { get; } = new();
}
