using static TorchSharp.torch;

namespace VaeWeb.Vae.Model;

/// <summary>
/// How the model's layers are computed. Every form computes the same function as the plain layer
/// stack of the design (to float rounding); each is faster with LibTorch's CPU kernels on the
/// machines it was measured on. A form is used only when <see cref="LayerFormCheck"/> finds it
/// agrees with the plain stack on the CPU the process runs on.
/// </summary>
/// <param name="ChannelsLast">Decoder feature maps stored NHWC, so oneDNN keeps that layout through every convolution.</param>
/// <param name="DepthwiseOutput">The C→1 output convolution as a depthwise 3×3 convolution and a sum over channels.</param>
/// <param name="InPlaceRelu">ReLUs overwrite their input: no convolution's or linear layer's backward pass needs its output.</param>
public sealed record LayerForms(bool ChannelsLast, bool DepthwiseOutput, bool InPlaceRelu)
{
    /// <summary>The textbook stack: NCHW maps, an ordinary output convolution, out-of-place ReLUs.</summary>
    public static LayerForms Plain { get; } = new(false, false, false);

    /// <summary>Every fast form.</summary>
    public static LayerForms Fast { get; } = new(true, true, true);

    /// <summary>Each fast form on its own, by the name used in logs and <c>/model</c>.</summary>
    public static IReadOnlyList<(string Name, LayerForms Forms)> EachFastForm { get; } =
    [
        ("channelsLast", Plain with { ChannelsLast = true }),
        ("depthwiseOutput", Plain with { DepthwiseOutput = true }),
        ("inPlaceRelu", Plain with { InPlaceRelu = true }),
    ];

    /// <summary>The names of the fast forms in use ("plain" when none is).</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            var names = new List<string>(3);
            if (ChannelsLast)
            {
                names.Add("channelsLast");
            }

            if (DepthwiseOutput)
            {
                names.Add("depthwiseOutput");
            }

            if (InPlaceRelu)
            {
                names.Add("inPlaceRelu");
            }

            return names.Count == 0 ? ["plain"] : names;
        }
    }

    public override string ToString() => string.Join("+", Names);

    /// <summary>ReLU in this form: overwriting its input, or into a new tensor.</summary>
    public Tensor Relu(Tensor input) => InPlaceRelu ? input.relu_() : nn.functional.relu(input);
}
