using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Judge;
using VaeWeb.Vae.Latent;
using static TorchSharp.torch;

namespace VaeWeb.Serving;

/// <summary>Where a sampler draws z from.</summary>
public enum SamplerKind
{
    /// <summary>N(0, I), the reference's definition of sampling a VAE.</summary>
    Prior,

    /// <summary>Per-class full-covariance Gaussians fitted to the training set's μ (<see cref="AggregatePosterior"/>).</summary>
    Aggregate,
}

/// <summary>How to draw: the sampler, a temperature scaling the spread, and (aggregate only) one digit class.</summary>
public sealed record SamplerChoice(SamplerKind Kind = SamplerKind.Prior, double Temperature = 1.0, int? Digit = null)
{
    public static SamplerChoice Reference { get; } = new();

    /// <summary>A cache key part that names every setting (the reference keeps the old key, so its cached bytes stay).</summary>
    public string Key => this == Reference ? "" : $":{Kind}:{Temperature:R}:{Digit}";
}

/// <summary>A judge's scores of one sampler's draws.</summary>
public sealed record SamplerQuality(string Sampler, double Temperature, JudgeScores Scores);

/// <summary>How a model version's samples read to the judge of its data set.</summary>
public sealed record SampleQualityReport(string ModelVersion, string Dataset, double JudgeTestAccuracy, int Samples, long Seed, IReadOnlyList<SamplerQuality> Samplers);

/// <summary>Draws z for a model version with any sampler, fitting the aggregate posterior once per version.</summary>
public sealed class Samplers(LatentCache cache, ModelDatasets datasets)
{
    public const int QualitySamples = 1000;
    public const long QualitySeed = 0;

    /// <summary>The aggregate posterior of <paramref name="model"/>: fitted on its data set's train split once, then cached with the version.</summary>
    public AggregatePosterior Aggregate(InferenceModel model) =>
        cache.GetOrCreate(model.Version, "aggregate-posterior", () => AggregatePosterior.Fit(model.Module, datasets.Of(model.Version).Train), out _);

    /// <summary>Fits (or finds) the aggregate posterior; false with the reason when the training set cannot give one (a class with fewer than 2 images).</summary>
    public bool TryAggregate(InferenceModel model, out string? reason)
    {
        try
        {
            Aggregate(model);
            reason = null;
            return true;
        }
        catch (InvalidOperationException e)
        {
            reason = e.Message;
            return false;
        }
    }

    /// <summary>n decoded images (784 pixels each) drawn with <paramref name="choice"/>; the same seed gives the same bytes per model version.</summary>
    public float[][] Draw(InferenceModel model, int n, long seed, SamplerChoice choice)
    {
        if (choice.Kind == SamplerKind.Prior)
        {
            return model.Sample(n, seed, choice.Temperature);
        }

        return model.Decode(Aggregate(model).Sample(n, seed, choice.Temperature, choice.Digit));
    }

    /// <summary>Scores <paramref name="samples"/> seeded draws of each sampler with the judge (the prior, the aggregate at T = 1 and at T = 0.8).</summary>
    public SampleQualityReport Measure(InferenceModel model, JudgeEntry judge, int samples = QualitySamples)
    {
        var choices = new[] { SamplerChoice.Reference, new SamplerChoice(SamplerKind.Aggregate), new SamplerChoice(SamplerKind.Aggregate, 0.8) };
        var results = new List<SamplerQuality>();
        foreach (var choice in choices)
        {
            var images = Draw(model, samples, QualitySeed, choice);
            using var t = tensor(images.SelectMany(r => r).ToArray(), [images.Length, 784]);
            results.Add(new SamplerQuality(choice.Kind.ToString().ToLowerInvariant(), choice.Temperature, judge.Judge.Score(t, judge.Test)));
        }

        return new SampleQualityReport(model.Version, judge.Dataset, judge.TestAccuracy, samples, QualitySeed, results);
    }
}
