using TorchSharp;
using VaeWeb.Vae;
using VaeWeb.Vae.Model;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Tests.Model;

/// <summary>
/// The model computes what the design's plain layer stack computes, on whatever CPU runs the suite:
/// the forms the self-check selects are compared here against a stack written out independently of
/// the model's code, in double precision.
/// </summary>
public class LayerFormTests
{
    // fp32 against fp64, in norm: measured 1e-7 to 3e-6 at batch 16, 4e-4 at batch 128 where a few
    // pre-activations round to the other side of the ReLU's kink; a wrong kernel is off by order 1.
    private const double Tolerance = LayerFormCheck.Tolerance;

    private static readonly Lazy<LayerFormDecision> Decision = new(() => LayerFormCheck.Run(ModelConfig.Reference, [1, 2]));

    [Fact]
    public void The_self_check_uses_only_forms_that_agree_and_says_why_it_refused_any()
    {
        var decision = Decision.Value;

        Assert.Contains(decision.Checks, c => c.Form == "channelsLast" && c.Batch == 128 && c.Threads == 2);
        Assert.Contains(decision.Checks, c => c.Form == "depthwiseOutput" && c.Threads == 1);
        foreach (var (name, forms) in LayerForms.EachFastForm)
        {
            var agreed = decision.Checks.Where(c => c.Form == name).All(c => c.Agrees);
            Assert.Equal(!agreed, decision.Refused.Contains(name));
            if (!agreed)
            {
                Assert.DoesNotContain(name, decision.Selected.Names);
                Assert.Contains(name, decision.Summary, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(2, 16)]
    [InlineData(2, 128)]
    public void The_whole_vae_in_the_selected_forms_has_the_plain_stacks_loss_and_every_gradient_in_double_precision(int threads, int batch)
    {
        var forms = Decision.Value.Selected;
        using var scope = NewDisposeScope();
        using var generator = new Generator(7);
        using var model = new ConvVae(ModelConfig.Reference, forms);
        var x = rand([batch, 1, 28, 28], dtype: float64, generator: generator);
        var eps = randn([batch, 64], dtype: float64, generator: generator);

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var reference = parameters.ToDictionary(p => p.Key, p => p.Value.detach().to(float64).requires_grad_(true));
        var expectedLoss = PlainVaeLoss(reference, x, eps);
        expectedLoss.backward();

        var width = TorchThreads.OfThisThread();
        TorchThreads.ForThisThread(threads);
        try
        {
            var xs = x.to(float32);
            var (mu, logVar) = model.Encoder.forward(xs);
            var z = mu.Plus(logVar.Times(0.5).exp() * eps.to(float32));
            var loss = VaeLoss.Compute(model.Decoder.Logits(z), xs, mu, logVar, Likelihood.Gaussian, beta: 1);
            loss.Loss.backward();

            Assert.Equal(expectedLoss.item<double>(), loss.Loss.item<float>(), expectedLoss.item<double>() * 1e-5);
            Assert.Equal(18, reference.Count); // every weight and bias of the 9 layers
            foreach (var (name, expected) in reference)
            {
                var error = LayerFormCheck.RelativeError(parameters[name].grad!, expected.grad!);
                Assert.True(error < Tolerance, $"gradient of {name} differs by {error:E2} (relative, in norm) computed as {forms}");
            }
        }
        finally
        {
            TorchThreads.ForThisThread(width);
        }
    }

    [Fact]
    public void Decoder_computes_the_plain_layer_stack_and_its_gradients()
    {
        var forms = Decision.Value.Selected;
        using var scope = NewDisposeScope();
        using var generator = new Generator(3);
        using var model = new ConvVae(ModelConfig.Reference, forms);
        var z = randn([16, 64], dtype: float64, generator: generator);
        var parameters = model.Decoder.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        var reference = parameters.ToDictionary(p => p.Key, p => p.Value.detach().to(float64).requires_grad_(true));

        var expected = PlainDecoder(reference, z);
        expected.square().sum().backward();
        var actual = model.Decoder.Logits(z.to(float32));
        actual.square().sum().backward();

        Assert.Equal(new long[] { 16, 1, 28, 28 }, actual.shape);
        Assert.True(LayerFormCheck.RelativeError(actual, expected) < 1e-5, "logits differ");
        foreach (var (name, want) in reference)
        {
            var error = LayerFormCheck.RelativeError(parameters[name].grad!, want.grad!);
            Assert.True(error < Tolerance, $"gradient of {name} differs by {error:E2} (relative, in norm) computed as {forms}");
        }
    }

    [Fact]
    public void A_result_with_nan_or_infinity_is_infinitely_wrong_and_rounding_is_not()
    {
        using var expected = tensor(new double[] { 1, -2, 3 });

        Assert.Equal(double.PositiveInfinity, LayerFormCheck.RelativeError(tensor(new float[] { 1, float.NaN, 3 }), expected));
        Assert.Equal(double.PositiveInfinity, LayerFormCheck.RelativeError(tensor(new float[] { 1, float.PositiveInfinity, 3 }), expected));
        Assert.True(LayerFormCheck.RelativeError(tensor(new float[] { 1, -2, 3.0000002f }), expected) < 1e-6);
        Assert.True(LayerFormCheck.RelativeError(tensor(new float[] { 1, 2, 3 }), expected) > 1);
    }

    [Fact]
    public void Names_list_the_fast_forms_in_use()
    {
        Assert.Equal(["plain"], LayerForms.Plain.Names);
        Assert.Equal(["channelsLast", "depthwiseOutput", "inPlaceRelu"], LayerForms.Fast.Names);
        Assert.Equal("depthwiseOutput", (LayerForms.Plain with { DepthwiseOutput = true }).ToString());
    }

    /// <summary>The design's decoder as textbook NCHW layers: FC, ReLU, two transposed convolutions with ReLUs, the output convolution.</summary>
    private static Tensor PlainDecoder(Dictionary<string, Tensor> p, Tensor z, string prefix = "")
    {
        var h = functional.relu(functional.linear(z, p[prefix + "fc.weight"], p[prefix + "fc.bias"])).view(-1, 64, 7, 7);
        var h1 = functional.relu(functional.conv_transpose2d(h, p[prefix + "deconv1.weight"], p[prefix + "deconv1.bias"], strides: [2, 2], padding: [1, 1], output_padding: [1, 1]));
        var h2 = functional.relu(functional.conv_transpose2d(h1, p[prefix + "deconv2.weight"], p[prefix + "deconv2.bias"], strides: [2, 2], padding: [1, 1], output_padding: [1, 1]));
        return functional.conv2d(h2, p[prefix + "output.weight"], p[prefix + "output.bias"], padding: [1, 1]);
    }

    /// <summary>The reference loss as the design writes it: Σ(x − x̂)² + KL(q(z|x) ‖ N(0, I)), averaged over the batch, z = μ + σ·ε.</summary>
    private static Tensor PlainVaeLoss(Dictionary<string, Tensor> p, Tensor x, Tensor eps)
    {
        var h1 = functional.relu(functional.conv2d(x, p["encoder.conv1.weight"], p["encoder.conv1.bias"], strides: [2, 2], padding: [1, 1]));
        var h2 = functional.relu(functional.conv2d(h1, p["encoder.conv2.weight"], p["encoder.conv2.bias"], strides: [2, 2], padding: [1, 1]));
        var h3 = functional.relu(functional.linear(h2.flatten(1), p["encoder.fc.weight"], p["encoder.fc.bias"]));
        var mu = functional.linear(h3, p["encoder.mu.weight"], p["encoder.mu.bias"]);
        var logVar = functional.linear(h3, p["encoder.logVar.weight"], p["encoder.logVar.bias"]);
        var z = mu.Plus(logVar.Times(0.5).exp() * eps);
        var xHat = PlainDecoder(p, z, "decoder.").sigmoid();
        var reconstruction = (xHat - x).square().sum();
        var kl = (logVar.Plus(1) - mu.square() - logVar.exp()).sum().Times(-0.5);
        return reconstruction.Plus(kl).Over(x.shape[0]);
    }
}
