using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Latent;

/// <summary>Per-image figures of one evaluated batch, all in nats.</summary>
public sealed record BoundBatch(double[] NegativeLogLikelihood, double[] Kl, double[] Iwae);

/// <summary>
/// Likelihood bounds of a trained VAE on images. For each image, k draws zᵢ ~ q(z|x) give
/// log wᵢ = log p(x|zᵢ) + log p(zᵢ) − log q(zᵢ|x), and
/// <list type="bullet">
/// <item>−ELBO = E_q[−log p(x|z)] + KL(q ‖ N(0, I)), the expectation estimated by the mean over the
/// k draws, the KL in closed form (β = 1 whatever β the model was trained with);</item>
/// <item>IWAE_k = log (1/k Σᵢ wᵢ) ≤ log p(x), non-decreasing in k in expectation, with IWAE_1 = ELBO in expectation.</item>
/// </list>
/// The decoder's density includes every constant term: for <c>gaussian</c>,
/// p(x|z) = N(x; x̂, σ²I) with σ² = ½ — the variance at which −log p(x|z) = Σ(x − x̂)² + 392·ln π,
/// i.e. the reference loss's squared error plus the constant (784/2)·ln(2πσ²) = 392·ln π ≈ 448.73
/// nats; for <c>bernoulli</c>, −log p(x|z) is the summed binary cross-entropy (no constant). The
/// prior and posterior densities include their −(d/2)·ln 2π terms, which cancel in log w. For
/// <c>calibrated</c>, σ² is the mean squared error over all k draws of the images evaluated together
/// and the (d/2)·ln(2πσ²) term is inside −log p(x|z) (<see cref="LogLikelihoodConstant"/> is 0).
/// </summary>
public static class LikelihoodBound
{
    /// <summary>The decoder variance implied by the reference loss (squared error summed, not scaled).</summary>
    public const double GaussianDecoderVariance = 0.5;

    /// <summary>Decoded samples per decoder pass: bounds the memory of one pass (≈150 kB of activations per sample).</summary>
    public const int DefaultSamplesPerPass = 512;

    /// <summary>The constant of −log p(x|z) that the reference loss leaves out, in nats.</summary>
    public static double LogLikelihoodConstant(Likelihood likelihood) =>
        likelihood == Likelihood.Gaussian
            ? ModelConfig.Pixels / 2.0 * Math.Log(2 * Math.PI * GaussianDecoderVariance)
            : 0.0;

    /// <summary>How many images one chunk should hold so that images × k stays near <paramref name="samplesPerPass"/>.</summary>
    public static int ImagesPerChunk(int k, int samplesPerPass = DefaultSamplesPerPass) => Math.Max(1, samplesPerPass / Math.Max(1, k));

    /// <summary>
    /// Evaluates one batch <paramref name="x"/> [B, 1, 28, 28] with k draws per image. Synchronous,
    /// in its own dispose scope and without gradients; the decoder runs over at most
    /// <paramref name="samplesPerPass"/> samples at a time.
    /// </summary>
    public static BoundBatch EvaluateBatch(ConvVae model, Tensor x, int k, Generator generator, int samplesPerPass = DefaultSamplesPerPass)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var likelihood = model.Config.Likelihood;
        var batch = x.shape[0];
        var (mu, logVar) = model.Encoder.forward(x);
        var std = logVar.Times(0.5).exp();
        var eps = randn([k, batch, mu.shape[1]], generator: generator);
        var z = mu.unsqueeze(0).Plus(std.unsqueeze(0) * eps).reshape(k * batch, -1);
        var logPx = new List<Tensor>();
        for (long start = 0; start < k * batch; start += samplesPerPass)
        {
            var size = Math.Min(samplesPerPass, (k * batch) - start);
            var logits = model.Decoder.Logits(z.narrow(0, start, size)).reshape(size, ModelConfig.Pixels);
            logPx.Add(LogLikelihood(logits, x.reshape(batch, ModelConfig.Pixels), start, batch, likelihood));
        }

        var logPxAll = likelihood == Likelihood.Calibrated
            ? -VaeLoss.CalibratedNegativeLogLikelihood(-cat(logPx, 0), ModelConfig.Pixels).reshape(k, batch)
            : cat(logPx, 0).reshape(k, batch);
        // log p(z) − log q(z|x): the (d/2)·ln 2π terms cancel; (z − μ)/σ = ε.
        var logPz = z.reshape(k, batch, -1).square().sum(-1).Times(-0.5);
        var logQz = eps.square().Plus(logVar.unsqueeze(0)).sum(-1).Times(-0.5);
        var logW = logPxAll.Plus(logPz) - logQz;
        var iwae = logW.logsumexp(0).Minus(Math.Log(k));
        var negLogLikelihood = -logPxAll.mean([0L]);
        var kl = VaeLoss.KlPerImage(mu, logVar);
        return new BoundBatch(ToDoubles(negLogLikelihood), ToDoubles(kl), ToDoubles(iwae));
    }

    /// <summary>log p(x|z) of decoded rows <paramref name="start"/>… of the flattened [k·B] samples (sample s is image s mod B).</summary>
    private static Tensor LogLikelihood(Tensor logits, Tensor images, long start, long batch, Likelihood likelihood)
    {
        var size = logits.shape[0];
        var rows = new long[size];
        for (var i = 0; i < size; i++)
        {
            rows[i] = (start + i) % batch;
        }

        var index = tensor(rows);
        var x = images.index_select(0, index);
        if (likelihood == Likelihood.Bernoulli)
        {
            return -nn.functional.binary_cross_entropy_with_logits(logits, x, reduction: nn.Reduction.None).sum(-1);
        }

        var squared = (logits.sigmoid() - x).square().sum(-1);
        if (likelihood == Likelihood.Calibrated)
        {
            // Negated squared errors for now: the calibrated σ² is the mean over every draw of the batch.
            return -squared;
        }

        return squared.Over(-2 * GaussianDecoderVariance).Minus(LogLikelihoodConstant(Likelihood.Gaussian));
    }

    private static double[] ToDoubles(Tensor t) => t.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
}
