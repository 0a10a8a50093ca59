using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Latent;

/// <summary>Decoded posterior means with the loss parts of each image (the reference loss's definitions, without constants).</summary>
/// <param name="Reconstruction">Σ over pixels of (x − x̂)² for gaussian, of binary cross-entropy for bernoulli.</param>
/// <param name="Kl">KL(q(z|x) ‖ N(0, I)) in closed form, nats.</param>
public sealed record ReconstructionResult(float[][] Mu, float[][] LogVar, float[][] Images, double[] Reconstruction, double[] Kl);

public static class Reconstructions
{
    /// <summary>Encodes each image (784 values in [0, 1]) and decodes its μ: the deterministic reconstruction.</summary>
    public static ReconstructionResult OfMean(ConvVae model, IReadOnlyList<float[]> images)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var x = Rows.ToTensor(images, ModelConfig.Pixels).view(-1, 1, ModelConfig.ImageSide, ModelConfig.ImageSide);
        var (mu, logVar) = model.Encoder.forward(x);
        var logits = model.Decoder.Logits(mu);
        var recon = VaeLoss.ReconstructionPerImage(logits, x, model.Config.Likelihood);
        var kl = VaeLoss.KlPerImage(mu, logVar);
        return new ReconstructionResult(
            Rows.FromTensor(mu),
            Rows.FromTensor(logVar),
            Rows.FromTensor(logits.sigmoid()),
            recon.to_type(ScalarType.Float64).data<double>().ToArray(),
            kl.to_type(ScalarType.Float64).data<double>().ToArray());
    }

    /// <summary>z = μ + σ·ε with ε ~ N(0, I) from a generator seeded with <paramref name="seed"/>.</summary>
    public static float[][] Sample(IReadOnlyList<float[]> mu, IReadOnlyList<float[]> logVar, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var width = mu.Count > 0 ? mu[0].Length : 0;
        var m = Rows.ToTensor(mu, width);
        var lv = Rows.ToTensor(logVar, width);
        var eps = randn(m.shape, generator: generator);
        return Rows.FromTensor(m.Plus(lv.Times(0.5).exp() * eps));
    }
}
