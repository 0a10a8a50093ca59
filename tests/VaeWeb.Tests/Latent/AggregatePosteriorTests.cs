using VaeWeb.Tests.Infrastructure;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;

namespace VaeWeb.Tests.Latent;

public sealed class AggregatePosteriorTests : IClassFixture<AggregatePosteriorTests.Fitted>
{
    private readonly Fitted fitted;

    public AggregatePosteriorTests(Fitted fitted) => this.fitted = fitted;

    [Fact]
    public void The_same_seed_gives_the_same_vectors_and_another_seed_others()
    {
        var a = fitted.Posterior.Sample(16, seed: 4);
        var b = fitted.Posterior.Sample(16, seed: 4);
        var c = fitted.Posterior.Sample(16, seed: 5);

        Assert.Equal(16, a.Length);
        Assert.All(a, z => Assert.Equal(8, z.Length));
        Assert.Equal(a.SelectMany(z => z), b.SelectMany(z => z));
        Assert.NotEqual(a.SelectMany(z => z), c.SelectMany(z => z));
    }

    [Fact]
    public void At_temperature_zero_every_draw_of_a_digit_is_that_classs_mean_of_mu()
    {
        var sevens = Enumerable.Range(0, fitted.Data.Train.Count).Where(i => fitted.Data.Train.Labels[i] == 7).ToArray();
        var (mu, _) = LatentDiagnostics.Encode(fitted.Trainer.Model, fitted.Data.Train.Images);
        var mean = Enumerable.Range(0, 8).Select(j => sevens.Average(i => (double)mu[i][j])).ToArray();

        var draws = fitted.Posterior.Sample(5, seed: 1, temperature: 0, digit: 7);

        Assert.All(draws, z => Assert.All(Enumerable.Range(0, 8), j => Assert.Equal(mean[j], z[j], 3)));
    }

    [Fact]
    public void Draws_of_one_digit_centre_on_its_mean_and_temperature_scales_their_spread()
    {
        var mean = fitted.Posterior.Sample(1, 0, temperature: 0, digit: 3)[0];
        var full = fitted.Posterior.Sample(4000, seed: 2, temperature: 1, digit: 3);
        var half = fitted.Posterior.Sample(4000, seed: 3, temperature: 0.5, digit: 3);
        static double Std(float[][] z, int j) { var m = z.Average(v => v[j]); return Math.Sqrt(z.Average(v => (v[j] - m) * (v[j] - m))); }

        for (var j = 0; j < 8; j++)
        {
            var spread = Std(full, j);
            // 4,000 draws: the sample mean is within 4 standard errors (σ/√4000 ≈ 0.016σ) of the class mean.
            Assert.True(Math.Abs(full.Average(v => v[j]) - mean[j]) < 0.07 * spread, $"dimension {j}");
            Assert.Equal(0.5, Std(half, j) / spread, 1);
        }
    }

    [Fact]
    public void Class_shares_are_the_training_labels_frequencies()
    {
        var expected = Enumerable.Range(0, 10).Select(c => fitted.Data.Train.Labels.Count(l => l == c) / (double)fitted.Data.Train.Count);

        Assert.Equal(expected, fitted.Posterior.ClassShares, (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(1.0, fitted.Posterior.ClassShares.Sum(), 9);
    }

    [Fact]
    public void A_digit_outside_0_to_9_or_a_negative_temperature_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => fitted.Posterior.Sample(1, 0, digit: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => fitted.Posterior.Sample(1, 0, temperature: -1));
    }

    public sealed class Fitted : IDisposable
    {
        public Fitted()
        {
            Data = TestData.Slice(train: 600, test: 64);
            Trainer = new Trainer(new TrainingConfig { Seed = 1, BatchSize = 64, LearningRate = 2e-3, Model = ModelConfig.Reference with { LatentDim = 8 } }, Data);
            Trainer.RunEpoch();
            Posterior = AggregatePosterior.Fit(Trainer.Model, Data.Train);
        }

        public VaeWeb.Vae.Data.DigitDataset Data { get; }

        public Trainer Trainer { get; }

        public AggregatePosterior Posterior { get; }

        public void Dispose()
        {
            Trainer.Dispose();
            Data.Dispose();
        }
    }
}
