using System.Diagnostics;
using TorchSharp;
using VaeWeb.Vae;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Bench;

/// <summary>
/// Where a training step's time goes: each layer of the reference model at batch 128, forward and
/// backward (input and weight gradients), in the default NCHW layout and in channels-last.
/// </summary>
public static class Profile
{
    public static void Run(int runs, int threads, int batch = 128)
    {
        set_num_threads(threads);
        Console.WriteLine($"Per-layer forward+backward at batch {batch}, {threads} threads (ms, median of {runs}):");
        Console.WriteLine($"  {"layer",-40} {"NCHW",8} {"ch-last",8}");
        // The layout the service's model computes each layer in: the encoder NCHW, the decoder's
        // convolutions channels-last with the depthwise output form.
        var layers = new List<double>
        {
            Layer("conv1 1→32 s2", Conv2d(1, 32, 3, stride: 2, padding: 1), [batch, 1, 28, 28], runs, gradInput: false).Nchw,
            Layer("conv2 32→64 s2", Conv2d(32, 64, 3, stride: 2, padding: 1), [batch, 32, 14, 14], runs).Nchw,
            Layer("fc 3136→128", Linear(3136, 128), [batch, 3136], runs).Nchw,
            Layer("heads 2×(128→64)", Linear(128, 128), [batch, 128], runs).Nchw,
            Layer("dec fc 64→3136", Linear(64, 3136), [batch, 64], runs).Nchw,
            Layer("deconv1 64→64 s2 (7→14)", ConvTranspose2d(64, 64, 3, stride: 2, padding: 1, output_padding: 1), [batch, 64, 7, 7], runs).ChannelsLast,
            Layer("deconv2 64→32 s2 (14→28)", ConvTranspose2d(64, 32, 3, stride: 2, padding: 1, output_padding: 1), [batch, 64, 14, 14], runs).ChannelsLast,
        };
        Layer("out conv 32→1 (28×28)", Conv2d(32, 1, 3, stride: 1, padding: 1), [batch, 32, 28, 28], runs);
        layers.Add(Layer("out conv as depthwise + sum (Decoder)", new DepthwiseOutput(32), [batch, 32, 28, 28], runs).ChannelsLast);

        // What the kernels alone allow: a step can be no faster than its layers' forward+backward.
        var stepMs = layers.Sum();
        var imagesPerSecond = batch / (stepMs / 1000);
        var gflops = imagesPerSecond * Flops.TrainingStepPerImage(VaeWeb.Vae.Model.ModelConfig.Reference) / 1e9;
        Console.WriteLine($"  Layers as the service computes them: {stepMs:F1} ms per step → at most {imagesPerSecond:N0} images/s, {gflops:F0} GFLOP/s,");
        Console.WriteLine("  before activations, loss and the optimiser step.");
    }

    /// <summary>The Decoder's form of the 32→1 output convolution: depthwise 3×3, then a sum over channels.</summary>
    private sealed class DepthwiseOutput : Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Conv2d conv;

        public DepthwiseOutput(int channels) : base(nameof(DepthwiseOutput))
        {
            conv = Conv2d(channels, 1, 3, stride: 1, padding: 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            var channels = input.shape[1];
            var perChannel = functional.conv2d(input, conv.weight!.view(channels, 1, 3, 3), padding: [1, 1], groups: channels);
            return perChannel.sum(1, keepdim: true).Plus(conv.bias!.view(1, 1, 1, 1));
        }
    }

    private static (double Nchw, double ChannelsLast) Layer(string name, Module<Tensor, Tensor> layer, long[] shape, int runs, bool gradInput = true)
    {
        var nchw = Time(layer, shape, runs, gradInput, channelsLast: false);
        var cl = shape.Length == 4 ? Time(layer, shape, runs, gradInput, channelsLast: true) : double.NaN;
        Console.WriteLine($"  {name,-40} {nchw,8:F2} {cl,8:F2}");
        layer.Dispose();
        return (nchw, cl);
    }

    private static double Time(Module<Tensor, Tensor> layer, long[] shape, int runs, bool gradInput, bool channelsLast)
    {
        using var x0 = randn(shape);
        // permute → contiguous → permute back: the same NCHW tensor stored channels-last (NHWC).
        using var x = channelsLast ? x0.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2).detach() : x0.detach();
        x.requires_grad = gradInput;
        void Step()
        {
            using var scope = NewDisposeScope();
            layer.zero_grad();
            var y = layer.forward(x);
            y.sum().backward();
        }

        Step();
        var times = new List<double>();
        for (var i = 0; i < Math.Max(runs, 10); i++)
        {
            var clock = Stopwatch.StartNew();
            Step();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return Stat.Of(times).Median;
    }
}
