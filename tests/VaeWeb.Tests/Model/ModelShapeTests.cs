using VaeWeb.Vae.Model;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Tests.Model;

public class ModelShapeTests
{
    [Fact]
    public void Reference_model_has_the_reference_parameter_counts()
    {
        using var model = new ConvVae(ModelConfig.Reference);

        Assert.Equal(436_864, ConvVae.CountParameters(model.Encoder));
        Assert.Equal(259_521, ConvVae.CountParameters(model.Decoder));
        Assert.Equal(696_385, ConvVae.CountParameters(model));
    }

    [Fact]
    public void Forward_maps_a_batch_of_digits_to_logits_of_the_same_shape_and_latent_statistics()
    {
        using var model = new ConvVae(ModelConfig.Reference with { LatentDim = 16 });
        using var x = rand(5, 1, 28, 28);

        using var output = model.forward(x);

        Assert.Equal(new long[] { 5, 1, 28, 28 }, output.Logits.shape);
        Assert.Equal(new long[] { 5, 16 }, output.Mu.shape);
        Assert.Equal(new long[] { 5, 16 }, output.LogVar.shape);
    }

    [Fact]
    public void Widths_and_latent_size_are_configurable()
    {
        using var model = new ConvVae(new ModelConfig { Conv1Channels = 8, Conv2Channels = 16, HiddenUnits = 32, LatentDim = 4 });

        // conv 1→8, conv 8→16, fc 784→32, two heads 32→4
        long encoder = (9 * 8 + 8) + (8 * 16 * 9 + 16) + (784 * 32 + 32) + 2 * (32 * 4 + 4);
        // fc 4→784, deconv 16→16, deconv 16→8, conv 8→1
        long decoder = (4 * 784 + 784) + (16 * 16 * 9 + 16) + (16 * 8 * 9 + 8) + (8 * 9 + 1);
        Assert.Equal(encoder, ConvVae.CountParameters(model.Encoder));
        Assert.Equal(decoder, ConvVae.CountParameters(model.Decoder));
    }

    [Fact]
    public void Decoder_computes_the_plain_layer_stack_and_its_gradients()
    {
        // The decoder computes its layers in a faster form (channels-last maps, depthwise output
        // convolution, in-place ReLUs); a textbook NCHW stack over the same weights must agree.
        using var model = new ConvVae(ModelConfig.Reference);
        var decoder = model.Decoder;
        var p = decoder.named_parameters().ToDictionary(pair => pair.name, pair => pair.parameter);
        using var z = randn(16, 64);

        Tensor Plain()
        {
            var h = functional.relu(functional.linear(z, p["fc.weight"], p["fc.bias"])).view(-1, 64, 7, 7);
            var h1 = functional.relu(functional.conv_transpose2d(h, p["deconv1.weight"], p["deconv1.bias"], strides: [2, 2], padding: [1, 1], output_padding: [1, 1]));
            var h2 = functional.relu(functional.conv_transpose2d(h1, p["deconv2.weight"], p["deconv2.bias"], strides: [2, 2], padding: [1, 1], output_padding: [1, 1]));
            return functional.conv2d(h2, p["output.weight"], p["output.bias"], padding: [1, 1]);
        }

        Dictionary<string, Tensor> Gradients(Func<Tensor> logits, out Tensor value)
        {
            decoder.zero_grad();
            using var scope = NewDisposeScope();
            var result = logits();
            result.square().sum().backward();
            value = result.detach().MoveToOuterDisposeScope();
            return p.ToDictionary(pair => pair.Key, pair => pair.Value.grad!.clone().MoveToOuterDisposeScope());
        }

        var plainGrads = Gradients(Plain, out var plain);
        var fastGrads = Gradients(() => decoder.Logits(z), out var fast);

        Assert.Equal(new long[] { 16, 1, 28, 28 }, fast.shape);
        Assert.True((plain - fast).abs().max().item<float>() < 1e-4f, "logits differ");
        foreach (var (name, expected) in plainGrads)
        {
            var scale = expected.abs().max().item<float>() + 1e-6f;
            var error = (expected - fastGrads[name]).abs().max().item<float>() / scale;
            Assert.True(error < 1e-4f, $"gradient of {name} differs by {error:E2} (relative)");
        }
    }
}
