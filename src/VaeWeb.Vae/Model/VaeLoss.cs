using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Vae.Model;

/// <summary>The batch-averaged loss and its two parts, as scalar tensors.</summary>
public readonly record struct LossParts(Tensor Loss, Tensor Reconstruction, Tensor Kl) : IDisposable
{
    public void Dispose()
    {
        Loss.Dispose();
        Reconstruction.Dispose();
        Kl.Dispose();
    }
}

/// <summary>
/// The negative ELBO of the reference model. Per image: reconstruction summed over the 784 pixels
/// plus β·KL(q(z|x) ‖ N(0, I)) = −½ Σⱼ (1 + log σⱼ² − μⱼ² − σⱼ²); both averaged over the batch.
/// </summary>
public static class VaeLoss
{
    public static LossParts Compute(Tensor logits, Tensor x, Tensor mu, Tensor logVar, Likelihood likelihood, double beta)
    {
        var batch = x.shape[0];
        using var recon = ReconstructionPerImage(logits, x, likelihood);
        using var kl = KlPerImage(mu, logVar);
        using var reconSum = recon.sum();
        using var klSum = kl.sum();
        var reconMean = reconSum.Over(batch);
        var klMean = klSum.Over(batch);
        var loss = beta == 1.0 ? reconMean.Plus(klMean) : reconMean.Plus(klMean, beta);
        return new LossParts(loss, reconMean, klMean);
    }

    /// <summary>Σ over pixels of the reconstruction error, one value per image.</summary>
    public static Tensor ReconstructionPerImage(Tensor logits, Tensor x, Likelihood likelihood)
    {
        var flatLogits = logits.reshape(logits.shape[0], -1);
        var flatX = x.reshape(x.shape[0], -1);
        using (flatLogits)
        using (flatX)
        {
            if (likelihood == Likelihood.Calibrated)
            {
                using var xHatCalibrated = flatLogits.sigmoid();
                using var squared = (xHatCalibrated - flatX).square().sum(1);
                return CalibratedNegativeLogLikelihood(squared, flatX.shape[1]);
            }

            if (likelihood == Likelihood.Bernoulli)
            {
                // From logits: numerically stable where the sigmoid saturates.
                return functional.binary_cross_entropy_with_logits(flatLogits, flatX, reduction: Reduction.None).sum(1);
            }

            using var xHat = flatLogits.sigmoid();
            using var diff = xHat - flatX;
            return diff.square().sum(1);
        }
    }

    /// <summary>Smallest calibrated variance (σ ≥ e⁻⁶ ≈ 0.0025, as the σ-VAE paper clips log σ): a perfect reconstruction must not be worth unbounded nats.</summary>
    public const double MinimumCalibratedVariance = 6.1e-6;

    /// <summary>
    /// −log p(x|z) per image under the calibrated decoder from each image's summed squared error:
    /// σ² = the mean squared error over all images and pixels given (gradients flow through it,
    /// as in the paper's optimal-σ variant).
    /// </summary>
    public static Tensor CalibratedNegativeLogLikelihood(Tensor squaredErrorPerImage, long pixels)
    {
        using var meanError = squaredErrorPerImage.mean();
        using var perPixel = meanError.Over(pixels);
        using var variance = perPixel.AtLeast(MinimumCalibratedVariance);
        using var twiceVariance = variance.Times(2);
        using var scaled = squaredErrorPerImage / twiceVariance;
        using var circleVariance = variance.Times(2 * Math.PI);
        using var logVariance = circleVariance.log();
        using var logNormaliser = logVariance.Times(pixels / 2.0);
        return scaled.Plus(logNormaliser);
    }

    /// <summary>KL(N(μ, σ²) ‖ N(0, I)) in closed form, one value per image.</summary>
    public static Tensor KlPerImage(Tensor mu, Tensor logVar)
    {
        using var perDim = KlPerDimension(mu, logVar);
        return perDim.sum(1);
    }

    /// <summary>KL per latent dimension and image: −½ (1 + log σ² − μ² − σ²).</summary>
    public static Tensor KlPerDimension(Tensor mu, Tensor logVar)
    {
        using var variance = logVar.exp();
        using var muSq = mu.square();
        using var onePlusLogVar = logVar.Plus(1);
        using var lessMuSq = onePlusLogVar - muSq;
        using var inner = lessMuSq - variance;
        return inner.Times(-0.5);
    }
}
