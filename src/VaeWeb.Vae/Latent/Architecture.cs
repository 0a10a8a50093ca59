using VaeWeb.Vae.Model;

namespace VaeWeb.Vae.Latent;

/// <summary>One layer of the model as a reader sees it: what it is and the shape it outputs (batch left out).</summary>
public sealed record LayerInfo(string Part, string Layer, string Output, long Parameters);

/// <summary>One learnable tensor of the model.</summary>
public sealed record ParameterInfo(string Name, long[] Shape, long Count);

/// <summary>Describes a <see cref="ConvVae"/> for humans: its layers with output shapes, its parameter tensors.</summary>
public static class Architecture
{
    public static IReadOnlyList<LayerInfo> Layers(ModelConfig c)
    {
        long Conv(int input, int output) => ((long)input * output * 9) + output;
        long Dense(int input, int output) => ((long)input * output) + output;
        var (c1, c2, h, d) = (c.Conv1Channels, c.Conv2Channels, c.HiddenUnits, c.LatentDim);
        return
        [
            new("encoder", "input", "1×28×28", 0),
            new("encoder", $"Conv2d(1→{c1}, k3, s2, p1) + ReLU", $"{c1}×14×14", Conv(1, c1)),
            new("encoder", $"Conv2d({c1}→{c2}, k3, s2, p1) + ReLU", $"{c2}×7×7", Conv(c1, c2)),
            new("encoder", "Flatten", $"{c.FlatFeatures}", 0),
            new("encoder", $"Linear({c.FlatFeatures}→{h}) + ReLU", $"{h}", Dense(c.FlatFeatures, h)),
            new("encoder", $"Linear({h}→{d}) μ", $"{d}", Dense(h, d)),
            new("encoder", $"Linear({h}→{d}) log σ²", $"{d}", Dense(h, d)),
            new("latent", "z = μ + exp(½ log σ²) ⊙ ε, ε ~ N(0, I)", $"{d}", 0),
            new("decoder", $"Linear({d}→{c.FlatFeatures}) + ReLU", $"{c.FlatFeatures}", Dense(d, c.FlatFeatures)),
            new("decoder", "Reshape", $"{c2}×7×7", 0),
            new("decoder", $"ConvTranspose2d({c2}→{c2}, k3, s2, p1, op1) + ReLU", $"{c2}×14×14", Conv(c2, c2)),
            new("decoder", $"ConvTranspose2d({c2}→{c1}, k3, s2, p1, op1) + ReLU", $"{c1}×28×28", Conv(c2, c1)),
            new("decoder", $"Conv2d({c1}→1, k3, s1, p1) + Sigmoid", "1×28×28", Conv(c1, 1)),
        ];
    }

    public static IReadOnlyList<ParameterInfo> Parameters(ConvVae model) =>
        model.named_parameters().Select(p => new ParameterInfo(p.name, p.parameter.shape, p.parameter.numel())).ToArray();
}
