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
        // Its own generator: a draw from the global one could land inside another test's seeded initialisation.
        using var generator = new Generator(5);
        using var x = rand([5, 1, 28, 28], generator: generator);

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
}
