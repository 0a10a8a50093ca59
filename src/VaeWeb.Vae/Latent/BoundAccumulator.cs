using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Latent;

/// <summary>Test-set bounds, averaged over images, in nats.</summary>
/// <param name="NegativeElbo">−ELBO = <paramref name="NegativeLogLikelihood"/> + <paramref name="Kl"/>.</param>
/// <param name="NegativeLogLikelihood">E_q[−log p(x|z)], constant terms included.</param>
/// <param name="Iwae">The bound log p(x) ≥ IWAE_k.</param>
/// <param name="IwaeStandardError">Standard error of the mean of the per-image IWAE_k (spread over images).</param>
/// <param name="LogLikelihoodConstant">The constant part of −log p(x|z) (392·ln π for gaussian with σ² = ½).</param>
/// <param name="DecoderVariance">σ² of the gaussian decoder; null for bernoulli.</param>
public sealed record BoundSummary(
    int Images,
    int K,
    double NegativeElbo,
    double NegativeLogLikelihood,
    double Kl,
    double Iwae,
    double IwaeStandardError,
    double LogLikelihoodConstant,
    double? DecoderVariance);

/// <summary>Collects per-image figures of evaluated batches, so a caller can process a split chunk by chunk.</summary>
public sealed class BoundAccumulator(Likelihood likelihood, int k)
{
    private readonly List<double> negLogLikelihood = [];
    private readonly List<double> kl = [];
    private readonly List<double> iwae = [];

    public int Count => iwae.Count;

    public IReadOnlyList<double> IwaePerImage => iwae;

    public IReadOnlyList<double> NegativeElboPerImage => negLogLikelihood.Zip(kl, (a, b) => a + b).ToArray();

    public void Add(BoundBatch batch)
    {
        negLogLikelihood.AddRange(batch.NegativeLogLikelihood);
        kl.AddRange(batch.Kl);
        iwae.AddRange(batch.Iwae);
    }

    public BoundSummary Summary()
    {
        if (Count == 0)
        {
            throw new InvalidOperationException("No image has been evaluated.");
        }

        var meanIwae = iwae.Average();
        var variance = Count > 1 ? iwae.Sum(v => (v - meanIwae) * (v - meanIwae)) / (Count - 1) : 0;
        var nll = negLogLikelihood.Average();
        var klMean = kl.Average();
        return new BoundSummary(
            Count,
            k,
            nll + klMean,
            nll,
            klMean,
            meanIwae,
            Math.Sqrt(variance / Count),
            LikelihoodBound.LogLikelihoodConstant(likelihood),
            likelihood == Likelihood.Gaussian ? LikelihoodBound.GaussianDecoderVariance : null);
    }

    /// <summary>
    /// Evaluates all of <paramref name="images"/> [N, 1, 28, 28] in chunks, one dispose scope each.
    /// The same <paramref name="seed"/> and weights give the same figures.
    /// </summary>
    public static BoundAccumulator Evaluate(ConvVae model, Tensor images, int k, long seed, CancellationToken cancellationToken = default)
    {
        var accumulator = new BoundAccumulator(model.Config.Likelihood, k);
        using var generator = new Generator((ulong)seed);
        var count = images.shape[0];
        var chunk = LikelihoodBound.ImagesPerChunk(k);
        for (long start = 0; start < count; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var batch = images.narrow(0, start, Math.Min(chunk, count - start));
            accumulator.Add(LikelihoodBound.EvaluateBatch(model, batch, k, generator));
        }

        return accumulator;
    }
}
