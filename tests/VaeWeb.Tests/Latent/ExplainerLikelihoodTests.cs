using VaeWeb.Tests.Infrastructure;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;

namespace VaeWeb.Tests.Latent;

/// <summary>The explanation's log-likelihood is the density of each decoder, and its bounds are /evaluate's, for bernoulli and calibrated runs too.</summary>
public sealed class ExplainerLikelihoodTests
{
    private static (Trainer Trainer, VaeWeb.Vae.Data.DigitDataset Data) Train(Likelihood likelihood)
    {
        var data = TestData.Slice(train: 256, test: 16);
        var trainer = new Trainer(new TrainingConfig { Seed = 4, BatchSize = 64, LearningRate = 2e-3, Model = ModelConfig.Reference with { LatentDim = 4, Likelihood = likelihood } }, data);
        trainer.RunEpoch();
        trainer.Model.eval();
        return (trainer, data);
    }

    [Fact]
    public void A_bernoulli_runs_log_likelihood_is_minus_the_summed_cross_entropy_computed_directly()
    {
        var (trainer, data) = Train(Likelihood.Bernoulli);
        using (trainer)
        using (data)
        {
            var x = data.Test.Pixels(0);
            var e = Explainer.Explain(trainer.Model, x, draws: 3, k: 10, seed: 2);

            Assert.Equal(0.0, e.LogLikelihoodConstant);
            Assert.Null(e.DecoderVariance);
            foreach (var d in e.Draws)
            {
                // log Bern(x; x̂) = Σ x·ln x̂ + (1 − x)·ln(1 − x̂), in double precision from the decoded means.
                var direct = x.Select((v, i) => (v * Math.Log((double)d.Decoded[i])) + ((1 - v) * Math.Log(1 - (double)d.Decoded[i]))).Sum();
                Assert.Equal(direct, d.LogLikelihood, 0);
                Assert.Equal(-d.Reconstruction, d.LogLikelihood, 9);
                Assert.Equal(d.Reconstruction + (trainer.Config.Model.Beta * e.Kl), d.Loss, 6);
            }

            AssertAgreesWithEvaluation(trainer.Model, data, 0, e, 2);
        }
    }

    [Fact]
    public void A_calibrated_runs_log_likelihood_is_the_gaussian_density_with_the_variance_it_reports()
    {
        var (trainer, data) = Train(Likelihood.Calibrated);
        using (trainer)
        using (data)
        {
            var x = data.Test.Pixels(1);
            var e = Explainer.Explain(trainer.Model, x, draws: 4, k: 10, seed: 2);

            Assert.Equal(0.0, e.LogLikelihoodConstant);
            var variance = e.DecoderVariance!.Value;
            Assert.Equal(e.Draws.Average(d => d.SquaredError) / ModelConfig.Pixels, variance, 9);
            foreach (var d in e.Draws)
            {
                // log N(x; x̂, σ²I) = −Σ(x − x̂)² / 2σ² − (d/2)·ln 2πσ².
                var direct = (-d.SquaredError / (2 * variance)) - (ModelConfig.Pixels / 2.0 * Math.Log(2 * Math.PI * variance));
                Assert.Equal(direct, d.LogLikelihood, 1);
            }

            AssertAgreesWithEvaluation(trainer.Model, data, 1, e, 2);
        }
    }

    /// <summary>ELBO ≤ IWAE, and both equal /evaluate's figures (BoundAccumulator, same k and seed) for that test digit alone.</summary>
    private static void AssertAgreesWithEvaluation(ConvVae model, VaeWeb.Vae.Data.DigitDataset data, int index, Explanation e, long seed)
    {
        Assert.True(e.ElboK <= e.IwaeK + 1e-6, $"ELBO {e.ElboK} > IWAE {e.IwaeK}");
        using var one = data.Test.Images.narrow(0, index, 1);
        var summary = BoundAccumulator.Evaluate(model, one, k: e.K, seed: seed).Summary();
        Assert.Equal(-summary.NegativeElbo, e.ElboK, 6);
        Assert.Equal(summary.Iwae, e.IwaeK, 6);
    }
}
