using VaeWeb.Tests.Infrastructure;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;

namespace VaeWeb.Tests.Latent;

/// <summary>A small VAE trained for two epochs on 512 digits, shared by the bound tests (read-only).</summary>
public sealed class TinyTrainedModel : IDisposable
{
    public TinyTrainedModel()
    {
        Data = TestData.Slice(512, 128);
        var config = new TrainingConfig { Model = ModelConfig.Reference with { LatentDim = 8 }, Epochs = 2, BatchSize = 64, Seed = 3 };
        Trainer = new Trainer(config, Data);
        Trainer.RunEpoch();
        Trainer.RunEpoch();
        Trainer.Model.eval();
    }

    public DigitDataset Data { get; }

    public Trainer Trainer { get; }

    public ConvVae Model => Trainer.Model;

    public void Dispose()
    {
        Trainer.Dispose();
        Data.Dispose();
    }
}

public class LikelihoodBoundTests(TinyTrainedModel tiny) : IClassFixture<TinyTrainedModel>
{
    [Fact]
    public void The_gaussian_constant_is_that_of_a_decoder_variance_of_one_half()
    {
        Assert.Equal(392 * Math.Log(Math.PI), LikelihoodBound.LogLikelihoodConstant(Likelihood.Gaussian), 9);
        Assert.Equal(448.7, LikelihoodBound.LogLikelihoodConstant(Likelihood.Gaussian), 0);
        Assert.Equal(0.0, LikelihoodBound.LogLikelihoodConstant(Likelihood.Bernoulli));
    }

    [Fact]
    public void Negative_elbo_is_the_reference_loss_plus_the_gaussian_constant()
    {
        // The reference loss (squared error + KL, one sampled z) and −ELBO (mean over 50 samples)
        // estimate the same expectation; they differ by the constant and Monte Carlo noise.
        var test = tiny.Data.Test;
        var bound = BoundAccumulator.Evaluate(tiny.Model, test.Images, k: 50, seed: 1).Summary();
        var reference = Trainer.Evaluate(tiny.Model, test, tiny.Model.Config);
        Assert.Equal(reference.Kl, bound.Kl, 3);
        Assert.Equal(reference.Loss + bound.LogLikelihoodConstant, bound.NegativeElbo, reference.Loss * 0.02);
    }

    [Fact]
    public void Iwae_1_equals_the_elbo_in_expectation()
    {
        var images = tiny.Data.Test.Images;
        var elbo = BoundAccumulator.Evaluate(tiny.Model, images, k: 50, seed: 5);
        // Five independent single-sample bounds per image; their mean estimates E[log w] = ELBO.
        var singles = Enumerable.Range(0, 5).Select(s => BoundAccumulator.Evaluate(tiny.Model, images, k: 1, seed: 100 + s)).ToArray();
        var differences = new List<double>();
        for (var i = 0; i < elbo.Count; i++)
        {
            var iwae1 = singles.Average(s => s.IwaePerImage[i]);
            differences.Add(iwae1 + elbo.NegativeElboPerImage[i]);
        }

        var mean = differences.Average();
        var standardError = Math.Sqrt(differences.Sum(x => (x - mean) * (x - mean)) / (differences.Count - 1) / differences.Count);
        Assert.True(Math.Abs(mean) < 4 * standardError + 0.05, $"IWAE_1 − ELBO = {mean:F3} nats, standard error {standardError:F3}");
    }

    [Fact]
    public void Iwae_is_non_decreasing_in_k_and_never_below_the_elbo()
    {
        var images = tiny.Data.Test.Images;
        var elbo = -BoundAccumulator.Evaluate(tiny.Model, images, k: 50, seed: 9).Summary().NegativeElbo;
        var iwae = new[] { 1, 10, 100 }.Select(k => BoundAccumulator.Evaluate(tiny.Model, images, k, seed: 11).Summary().Iwae).ToArray();
        Assert.True(iwae[0] <= iwae[1] && iwae[1] <= iwae[2], $"IWAE_1 {iwae[0]:F2}, IWAE_10 {iwae[1]:F2}, IWAE_100 {iwae[2]:F2}");
        Assert.True(iwae[2] >= elbo, $"IWAE_100 {iwae[2]:F2} below ELBO {elbo:F2}");
    }

    [Fact]
    public void The_same_seed_gives_the_same_bounds()
    {
        var images = tiny.Data.Test.Images;
        var first = BoundAccumulator.Evaluate(tiny.Model, images, k: 7, seed: 2).Summary();
        var second = BoundAccumulator.Evaluate(tiny.Model, images, k: 7, seed: 2).Summary();
        Assert.Equal(first, second);
    }

    [Fact]
    public void Kl_per_dimension_sums_to_the_mean_kl_and_counts_active_units()
    {
        var profile = LatentDiagnostics.KlProfile(tiny.Model, tiny.Data.Test.Images);
        var reference = Trainer.Evaluate(tiny.Model, tiny.Data.Test, tiny.Model.Config);
        Assert.Equal(8, profile.KlPerDimension.Length);
        Assert.Equal(reference.Kl, profile.KlPerDimension.Sum(), 2);
        Assert.Equal(profile.KlPerDimension.Count(v => v > 0.01), profile.ActiveUnits);
        Assert.All(profile.KlPerDimension, v => Assert.True(v >= 0));
    }
}
