using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Vae.Model;

/// <summary>q(z|x): two stride-2 convolutions, a hidden layer and the μ / log σ² heads.</summary>
public sealed class Encoder : Module<Tensor, (Tensor Mu, Tensor LogVar)>
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc;
    private readonly Linear mu;
    private readonly Linear logVar;

    public Encoder(ModelConfig config, LayerForms? forms = null) : base(nameof(Encoder))
    {
        Forms = forms ?? LayerForms.Fast;
        conv1 = Conv2d(1, config.Conv1Channels, kernel_size: 3, stride: 2, padding: 1);
        conv2 = Conv2d(config.Conv1Channels, config.Conv2Channels, kernel_size: 3, stride: 2, padding: 1);
        fc = Linear(config.FlatFeatures, config.HiddenUnits);
        mu = Linear(config.HiddenUnits, config.LatentDim);
        logVar = Linear(config.HiddenUnits, config.LatentDim);
        RegisterComponents();
    }

    /// <summary>How the layers are computed (only <see cref="LayerForms.InPlaceRelu"/> applies here).</summary>
    public LayerForms Forms { get; set; }

    /// <summary>The number type the layers compute in (fp32, or bfloat16 for mixed precision); μ and log σ² come out in fp32.</summary>
    public ScalarType ComputeType { get; set; } = float32;

    public override (Tensor Mu, Tensor LogVar) forward(Tensor x)
    {
        if (ComputeType != float32)
        {
            return MixedPrecisionForward(x);
        }

        var forms = Forms;
        using var c1 = conv1.forward(x);
        using var h1 = forms.Relu(c1);
        using var c2 = conv2.forward(h1);
        using var h2 = forms.Relu(c2);
        using var flat = h2.flatten(1);
        using var f = fc.forward(flat);
        using var h3 = forms.Relu(f);
        return (mu.forward(h3), logVar.forward(h3));
    }

    /// <summary>The same layers with inputs and weights cast to <see cref="ComputeType"/>; the casts' backward returns fp32 gradients to the fp32 weights.</summary>
    private (Tensor Mu, Tensor LogVar) MixedPrecisionForward(Tensor x)
    {
        var type = ComputeType;
        var forms = Forms;
        using var scope = NewDisposeScope();
        var c1 = functional.conv2d(x.to(type), conv1.weight!.to(type), conv1.bias!.to(type), strides: [2, 2], padding: [1, 1]);
        var h1 = forms.Relu(c1);
        var c2 = functional.conv2d(h1, conv2.weight!.to(type), conv2.bias!.to(type), strides: [2, 2], padding: [1, 1]);
        var h2 = forms.Relu(c2);
        var h3 = forms.Relu(functional.linear(h2.flatten(1), fc.weight!.to(type), fc.bias!.to(type)));
        var m = functional.linear(h3, mu.weight!.to(type), mu.bias!.to(type)).to(float32);
        var v = functional.linear(h3, logVar.weight!.to(type), logVar.bias!.to(type)).to(float32);
        return (m.MoveToOuterDisposeScope(), v.MoveToOuterDisposeScope());
    }
}
