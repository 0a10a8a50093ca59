using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Tests.Model;

public class VaeLossTests
{
    // Two "images" of four pixels, two latent dimensions; values chosen so the sums are easy by hand.
    private static readonly float[] Pixels = [0f, 1f, 0.5f, 0.25f, 1f, 1f, 0f, 0f];
    private static readonly float[] Logits = [0f, 0f, 0f, 0f, 2f, -2f, 0f, 1f];
    private static readonly float[] Mu = [0f, 0f, 1f, -2f];
    private static readonly float[] LogVar = [0f, 0f, 0f, 1f];

    private static LossParts Compute(Likelihood likelihood, double beta = 1.0)
    {
        var x = tensor(Pixels, [2, 1, 2, 2]);
        var logits = tensor(Logits, [2, 1, 2, 2]);
        var mu = tensor(Mu, [2, 2]);
        var logVar = tensor(LogVar, [2, 2]);
        return VaeLoss.Compute(logits, x, mu, logVar, likelihood, beta);
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    [Fact]
    public void Gaussian_loss_is_summed_squared_error_plus_analytic_kl_averaged_over_the_batch()
    {
        // Image 1: x̂ = ½ everywhere: (½)² + (½)² + 0 + (¼)² = 0.5625.
        var recon1 = 0.25 + 0.25 + 0 + 0.0625;
        // Image 2: x̂ = σ(2), σ(−2), ½, σ(1) against 1, 1, 0, 0.
        var recon2 = Math.Pow(Sigmoid(2) - 1, 2) + Math.Pow(Sigmoid(-2) - 1, 2) + 0.25 + Math.Pow(Sigmoid(1), 2);
        // KL: image 1 is the prior (0); image 2: −½[(1+0−1−1) + (1+1−4−e)] = −½(−1 − 2 − e).
        var kl2 = -0.5 * ((1 + 0 - 1 - 1) + (1 + 1 - 4 - Math.E));

        using var parts = Compute(Likelihood.Gaussian);

        Assert.Equal((recon1 + recon2) / 2, parts.Reconstruction.item<float>(), 5);
        Assert.Equal(kl2 / 2, parts.Kl.item<float>(), 5);
        Assert.Equal((recon1 + recon2 + kl2) / 2, parts.Loss.item<float>(), 5);
    }

    [Fact]
    public void Beta_weights_only_the_kl_term()
    {
        using var plain = Compute(Likelihood.Gaussian, beta: 1);
        using var weighted = Compute(Likelihood.Gaussian, beta: 4);

        var expected = plain.Reconstruction.item<float>() + 4 * plain.Kl.item<float>();
        Assert.Equal(expected, weighted.Loss.item<float>(), 5);
    }

    [Fact]
    public void Bernoulli_loss_is_summed_binary_cross_entropy()
    {
        static double Bce(double x, double logit)
        {
            var p = Sigmoid(logit);
            return -(x * Math.Log(p) + (1 - x) * Math.Log(1 - p));
        }

        var expected = 0.0;
        for (var i = 0; i < Pixels.Length; i++)
        {
            expected += Bce(Pixels[i], Logits[i]);
        }

        using var parts = Compute(Likelihood.Bernoulli);

        Assert.Equal(expected / 2, parts.Reconstruction.item<float>(), 4);
    }

    [Fact]
    public void Calibrated_loss_is_the_gaussian_negative_log_likelihood_at_the_batchs_mean_squared_error()
    {
        // By hand: σ² = Σ(x − x̂)² / (images · pixels); −log p = Σ(x − x̂)²/(2σ²) + (d/2)·ln(2πσ²) per image.
        var squared = new double[2];
        for (var i = 0; i < Pixels.Length; i++)
        {
            squared[i / 4] += Math.Pow(Sigmoid(Logits[i]) - Pixels[i], 2);
        }

        var variance = (squared[0] + squared[1]) / 8;
        var expected = squared.Select(s => (s / (2 * variance)) + (2 * Math.Log(2 * Math.PI * variance))).Average();

        using var parts = Compute(Likelihood.Calibrated);

        Assert.Equal(expected, parts.Reconstruction.item<float>(), 4);
        // At the optimal σ², the squared-error part is exactly half a nat per pixel.
        Assert.Equal(2.0, squared.Select(s => s / (2 * variance)).Average(), 9);
    }

    [Fact]
    public void Calibrated_variance_has_a_floor_so_a_perfect_reconstruction_is_finite()
    {
        using var squared = tensor(new[] { 0f, 0f });

        using var nll = VaeLoss.CalibratedNegativeLogLikelihood(squared, 784);

        var values = nll.data<float>().ToArray();
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(392 * Math.Log(2 * Math.PI * VaeLoss.MinimumCalibratedVariance), values[0], 2);
    }
}
