using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Latent;

/// <summary>One draw ε ~ N(0, I) taken through the VAE for one image, every term in nats where it is a density.</summary>
/// <param name="Epsilon">ε, the draw.</param>
/// <param name="Z">z = μ + σ ⊙ ε, the reparameterised latent.</param>
/// <param name="Decoded">x̂, the decoder's mean for z (784 pixels in [0, 1]).</param>
/// <param name="SquaredError">Σ(x − x̂)² over the 784 pixels, whatever the likelihood.</param>
/// <param name="Reconstruction">The reconstruction term as trained: Σ(x − x̂)² (Gaussian), the summed cross-entropy (Bernoulli), or −log p(x|z) with the calibrated σ² (calibrated).</param>
/// <param name="LogLikelihood">log p(x|z) in nats, constant included: −Σ(x − x̂)² − (d/2)·ln π for the Gaussian decoder with σ² = ½; −cross-entropy for Bernoulli.</param>
/// <param name="Loss">The loss as trained for this draw: reconstruction + β·KL.</param>
/// <param name="Elbo">This draw's ELBO estimate: log p(x|z) − KL(q(z|x) ‖ p(z)).</param>
public sealed record ExplainedDraw(float[] Epsilon, float[] Z, float[] Decoded, double SquaredError, double Reconstruction, double LogLikelihood, double Loss, double Elbo);

/// <summary>
/// One image taken through the derivation: q(z|x) = N(μ, diag σ²), draws of z, their decodes, the loss
/// as trained, the ELBO and IWAE_k, and their difference — an estimate of KL(q(z|x) ‖ p(z|x)), since
/// log p(x) − KL(q(z|x) ‖ p(z|x)) = ELBO and IWAE_k → log p(x) as k grows.
/// <para><see cref="DecoderVariance"/> is σ² of p(x|z) = N(x̂, σ²I): ½ for gaussian, the mean squared
/// error per pixel over the draws for calibrated (so its value depends on how many draws were taken),
/// null for bernoulli.</para>
/// </summary>
public sealed record Explanation(
    float[] Mu,
    float[] LogVar,
    double[] KlPerDimension,
    double Kl,
    IReadOnlyList<ExplainedDraw> Draws,
    double MeanReconstruction,
    double MeanLogLikelihood,
    double MeanLoss,
    double MeanElbo,
    float[] DecodedMean,
    float[] SquaredErrorOfMean,
    int K,
    double ElboK,
    double IwaeK,
    double Gap,
    double LogLikelihoodConstant,
    double? DecoderVariance);

public static class Explainer
{
    /// <summary>
    /// Explains <paramref name="image"/> (784 pixels in [0, 1]) with <paramref name="draws"/> draws of ε
    /// and IWAE over <paramref name="k"/> draws. Draws of ε come from a generator seeded with
    /// <paramref name="seed"/>; IWAE_k and the ELBO over the same k draws come from a second generator
    /// with the same seed, exactly as <c>POST /evaluate</c> draws them, so that for one test image the
    /// two agree to the last digit. The gap IWAE_k − ELBO_k uses the same k draws; it is ≥ 0 up to sampling
    /// error (the log of a mean is at least the mean of the logs, but ELBO_k takes the KL in closed form
    /// while IWAE_k samples log p(z) − log q(z|x), so at k = 1 the gap is zero only in expectation).
    /// </summary>
    public static Explanation Explain(ConvVae model, float[] image, int draws, int k, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(draws, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var config = model.Config;
        BoundBatch bound;
        using (var generator = new Generator((ulong)seed))
        using (var scope = NewDisposeScope())
        {
            var x1 = tensor(image).view(1, 1, ModelConfig.ImageSide, ModelConfig.ImageSide);
            bound = LikelihoodBound.EvaluateBatch(model, x1, k, generator);
        }

        using var outer = NewDisposeScope();
        using var _ = inference_mode();
        using var drawGenerator = new Generator((ulong)seed);
        var x = tensor(image).view(1, 1, ModelConfig.ImageSide, ModelConfig.ImageSide);
        var (mu, logVar) = model.Encoder.forward(x);
        var klPerDim = VaeLoss.KlPerDimension(mu, logVar).reshape(-1);
        var kl = klPerDim.sum().item<float>();
        var eps = randn([draws, config.LatentDim], generator: drawGenerator);
        var z = mu.Plus(logVar.Times(0.5).exp() * eps);
        var logits = model.Decoder.Logits(z);
        var flatX = x.reshape(1, -1);
        var recon = VaeLoss.ReconstructionPerImage(logits, flatX.expand(draws, -1), config.Likelihood);
        var constant = LikelihoodBound.LogLikelihoodConstant(config.Likelihood);
        // Gaussian: the trained term is Σ(x − x̂)², the density adds σ² = ½'s constant; Bernoulli and
        // calibrated: the trained term already is −log p(x|z) (the calibrated σ² over these draws).
        var logPx = config.Likelihood == Likelihood.Gaussian
            ? recon.Over(-2 * LikelihoodBound.GaussianDecoderVariance).Minus(constant)
            : -recon;
        var decoded = logits.sigmoid().reshape(draws, -1);
        var squaredPerDraw = (decoded - flatX).square().sum(1);
        var meanDecoded = model.Decoder.forward(mu).reshape(-1);
        var squaredError = (meanDecoded - flatX.reshape(-1)).square();

        var epsRows = Rows(eps);
        var zRows = Rows(z);
        var decodedRows = Rows(decoded);
        var squaredValues = squaredPerDraw.to_type(ScalarType.Float64).data<double>().ToArray();
        var reconValues = recon.to_type(ScalarType.Float64).data<double>().ToArray();
        var logPxValues = logPx.to_type(ScalarType.Float64).data<double>().ToArray();
        var list = new List<ExplainedDraw>(draws);
        for (var i = 0; i < draws; i++)
        {
            list.Add(new ExplainedDraw(epsRows[i], zRows[i], decodedRows[i], squaredValues[i], reconValues[i], logPxValues[i], reconValues[i] + (config.Beta * kl), logPxValues[i] - kl));
        }

        var elboK = -(bound.NegativeLogLikelihood[0] + bound.Kl[0]);
        double? variance = config.Likelihood switch
        {
            Likelihood.Gaussian => LikelihoodBound.GaussianDecoderVariance,
            Likelihood.Calibrated => Math.Max(squaredValues.Average() / ModelConfig.Pixels, VaeLoss.MinimumCalibratedVariance),
            _ => null,
        };
        return new Explanation(
            mu.reshape(-1).data<float>().ToArray(),
            logVar.reshape(-1).data<float>().ToArray(),
            klPerDim.to_type(ScalarType.Float64).data<double>().ToArray(),
            kl,
            list,
            list.Average(d => d.Reconstruction),
            list.Average(d => d.LogLikelihood),
            list.Average(d => d.Loss),
            list.Average(d => d.Elbo),
            meanDecoded.data<float>().ToArray(),
            squaredError.data<float>().ToArray(),
            k,
            elboK,
            bound.Iwae[0],
            bound.Iwae[0] - elboK,
            constant,
            variance);
    }

    private static float[][] Rows(Tensor t)
    {
        var width = (int)t.shape[1];
        var all = t.contiguous().data<float>().ToArray();
        return Enumerable.Range(0, (int)t.shape[0]).Select(i => all.AsSpan(i * width, width).ToArray()).ToArray();
    }
}
