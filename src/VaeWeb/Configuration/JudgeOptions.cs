using System.ComponentModel.DataAnnotations;

namespace VaeWeb.Configuration;

/// <summary>
/// The sample judge (<c>Vae:Judge</c>): a small digit classifier trained once per data set that scores
/// what a model draws. Tests make it tiny (one epoch on a few hundred images) so it never holds them up.
/// </summary>
public sealed class JudgeOptions
{
    /// <summary>False turns sample scoring off: <c>/model</c> says so and runs store no scores.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Start training the default data set's judge in the background at start-up (otherwise on first use).</summary>
    public bool TrainAtStart { get; set; } = true;

    /// <summary>Epochs over the train split (4 reach about 96% test accuracy on the embedded MNIST).</summary>
    [Range(1, 100)]
    public int Epochs { get; set; } = 4;

    /// <summary>Train on only the first N training images (tests); all when empty.</summary>
    [Range(16, int.MaxValue)]
    public int? TrainImages { get; set; }

    /// <summary>Draws scored per sampler (the IS-like score and FID need several hundred to settle).</summary>
    [Range(16, 10000)]
    public int Samples { get; set; } = 1000;
}
