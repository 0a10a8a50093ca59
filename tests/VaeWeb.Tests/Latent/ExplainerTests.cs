using VaeWeb.Tests.Infrastructure;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;
using static TorchSharp.torch;

namespace VaeWeb.Tests.Latent;

/// <summary>The derivation's identities hold, measured on one digit at a time of a briefly trained model.</summary>
public sealed class ExplainerTests : IClassFixture<ExplainerTests.TrainedModel>
{
    private readonly TrainedModel trained;

    public ExplainerTests(TrainedModel trained) => this.trained = trained;

    private Explanation Explain(int index, int draws = 8, int k = 20, long seed = 3) =>
        Explainer.Explain(trained.Trainer.Model, trained.Data.Test.Pixels(index), draws, k, seed);

    [Fact]
    public void Each_draws_loss_is_its_reconstruction_plus_beta_times_the_kl_and_its_elbo_is_log_likelihood_minus_kl()
    {
        var e = Explain(0);

        Assert.Equal(8, e.Draws.Count);
        Assert.Equal(e.KlPerDimension.Sum(), e.Kl, 3);
        Assert.All(e.Draws, d => Assert.Equal(d.SquaredError, d.Reconstruction, 6)); // gaussian: the trained term is the squared error
        foreach (var d in e.Draws)
        {
            Assert.Equal(d.Reconstruction + (trained.Trainer.Config.Model.Beta * e.Kl), d.Loss, 6);
            Assert.Equal(d.LogLikelihood - e.Kl, d.Elbo, 6);
            for (var j = 0; j < e.Mu.Length; j++)
            {
                Assert.Equal(e.Mu[j] + (MathF.Exp(e.LogVar[j] / 2) * d.Epsilon[j]), d.Z[j], 4);
            }
        }

        Assert.Equal(e.Draws.Average(d => d.Loss), e.MeanLoss, 6);
    }

    [Fact]
    public void The_log_likelihood_is_the_gaussian_density_with_variance_one_half_computed_directly_in_double_precision()
    {
        var e = Explain(1, draws: 4);
        var x = trained.Data.Test.Pixels(1);

        foreach (var d in e.Draws)
        {
            // log N(x; x̂, ½·I) = Σ −(x − x̂)² / (2·½) − ½·ln(2π·½), over the 784 pixels.
            var direct = x.Select((v, i) => (-Math.Pow(v - (double)d.Decoded[i], 2)) - (0.5 * Math.Log(Math.PI))).Sum();
            Assert.Equal(direct, d.LogLikelihood, 2);
            Assert.Equal(-d.Reconstruction - e.LogLikelihoodConstant, d.LogLikelihood, 3);
        }

        Assert.Equal(392 * Math.Log(Math.PI), e.LogLikelihoodConstant, 9);
    }

    [Fact]
    public void At_k_20_the_elbo_stays_below_iwae_so_the_gap_estimate_is_not_negative()
    {
        for (var index = 0; index < 8; index++)
        {
            var e = Explain(index);
            Assert.True(e.ElboK <= e.IwaeK + 1e-6, $"digit {index}: ELBO {e.ElboK} > IWAE {e.IwaeK}");
            Assert.Equal(e.IwaeK - e.ElboK, e.Gap, 9);
        }
    }

    [Fact]
    public void On_average_over_test_digits_iwae_grows_with_k()
    {
        double Mean(int k) => Enumerable.Range(0, 24).Average(i => Explain(i, draws: 1, k: k, seed: i).IwaeK);

        var (k1, k10, k100) = (Mean(1), Mean(10), Mean(100));

        Assert.True(k1 <= k10 && k10 <= k100, $"IWAE_1 {k1:F2}, IWAE_10 {k10:F2}, IWAE_100 {k100:F2}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_numbers_and_another_seed_other_draws()
    {
        var a = Explain(2, seed: 5);
        var b = Explain(2, seed: 5);
        var c = Explain(2, seed: 6);

        Assert.Equal(a.Draws[0].Epsilon, b.Draws[0].Epsilon);
        Assert.Equal(a.IwaeK, b.IwaeK);
        Assert.Equal(a.MeanElbo, b.MeanElbo);
        Assert.NotEqual(a.Draws[0].Epsilon, c.Draws[0].Epsilon);
        Assert.Equal(a.Mu, c.Mu); // the encoder is deterministic
    }

    [Fact]
    public void For_the_first_test_digit_elbo_and_iwae_agree_with_the_evaluation_of_that_digit_alone()
    {
        var e = Explain(0, k: 50, seed: 9);
        using var first = trained.Data.Test.Images.narrow(0, 0, 1);

        var summary = BoundAccumulator.Evaluate(trained.Trainer.Model, first, k: 50, seed: 9).Summary();

        Assert.Equal(-summary.NegativeElbo, e.ElboK, 6);
        Assert.Equal(summary.Iwae, e.IwaeK, 6);
    }

    public sealed class TrainedModel : IDisposable
    {
        public TrainedModel()
        {
            Data = TestData.Slice(train: 512, test: 64);
            Trainer = new Trainer(new TrainingConfig { Seed = 2, BatchSize = 64, LearningRate = 2e-3, Model = ModelConfig.Reference with { LatentDim = 8 } }, Data);
            Trainer.RunEpoch();
            Trainer.RunEpoch();
            Trainer.Model.eval();
        }

        public VaeWeb.Vae.Data.DigitDataset Data { get; }

        public Trainer Trainer { get; }

        public void Dispose()
        {
            Trainer.Dispose();
            Data.Dispose();
        }
    }
}
