using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Latent;

/// <summary>Mean KL per latent dimension over a set of images, and how many dimensions carry information.</summary>
public sealed record KlProfile(double[] KlPerDimension, int ActiveUnits, double Threshold)
{
    /// <summary>A dimension whose average KL stays below this (nats) has collapsed onto the prior.</summary>
    public const double DefaultThreshold = 0.01;
}

/// <summary>Posterior-collapse diagnostics and the μ of many images, in batches.</summary>
public static class LatentDiagnostics
{
    private const int Batch = 500;

    /// <summary>μ and log σ² of every image of <paramref name="images"/> [N, 1, 28, 28] (rows of latentDim).</summary>
    public static (float[][] Mu, float[][] LogVar) Encode(ConvVae model, Tensor images)
    {
        var count = images.shape[0];
        var mus = new List<float[]>((int)count);
        var logVars = new List<float[]>((int)count);
        for (long start = 0; start < count; start += Batch)
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var (mu, logVar) = model.Encoder.forward(images.narrow(0, start, Math.Min(Batch, count - start)));
            mus.AddRange(Rows(mu));
            logVars.AddRange(Rows(logVar));
        }

        return (mus.ToArray(), logVars.ToArray());
    }

    /// <summary>KL_j averaged over images: ½ (μⱼ² + σⱼ² − 1 − log σⱼ²); active when above <paramref name="threshold"/> nats.</summary>
    public static KlProfile KlProfile(ConvVae model, Tensor images, double threshold = Latent.KlProfile.DefaultThreshold)
    {
        var count = images.shape[0];
        var sums = new double[model.Config.LatentDim];
        for (long start = 0; start < count; start += Batch)
        {
            using var scope = NewDisposeScope();
            using var _ = inference_mode();
            var (mu, logVar) = model.Encoder.forward(images.narrow(0, start, Math.Min(Batch, count - start)));
            var perDimension = VaeLoss.KlPerDimension(mu, logVar).to_type(ScalarType.Float64).sum([0L]).data<double>().ToArray();
            for (var j = 0; j < sums.Length; j++)
            {
                sums[j] += perDimension[j];
            }
        }

        var means = sums.Select(s => count > 0 ? s / count : 0).ToArray();
        return new KlProfile(means, means.Count(v => v > threshold), threshold);
    }

    private static IEnumerable<float[]> Rows(Tensor t)
    {
        var width = (int)t.shape[1];
        var all = t.contiguous().data<float>().ToArray();
        for (var i = 0; i < t.shape[0]; i++)
        {
            yield return all.AsSpan(i * width, width).ToArray();
        }
    }
}
