using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Model;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Bench;

/// <summary>
/// What a user would write by hand in TorchSharp for the same model: the reference modules, Adam,
/// batches index_select'ed from a shuffled permutation, the loss inline, no progress reporting and
/// no host reads inside the epoch. It draws from its generator in the same order as the service's
/// trainer (permutation, then one ε per step), so with the same seed both see the same batches
/// and noise and their loss curves can be compared epoch by epoch.
/// </summary>
public sealed class BareLoop : IDisposable
{
    private readonly ConvVae model;
    private readonly Adam optimizer;
    private readonly Generator generator;
    private readonly DigitSplit train;
    private readonly int batchSize;

    public BareLoop(ModelConfig config, DigitSplit train, long seed, int batchSize, double learningRate)
    {
        this.train = train;
        this.batchSize = batchSize;
        manual_seed(seed);
        model = new ConvVae(config);
        optimizer = optim.Adam(model.parameters(), lr: learningRate);
        generator = new Generator((ulong)seed);
    }

    /// <summary>One pass over the split; returns training images/s and the mean loss of the epoch.</summary>
    public (double ImagesPerSecond, double Loss) RunEpoch()
    {
        var count = train.Count;
        model.train();
        var clock = Stopwatch.StartNew();
        using var permutation = randperm(count, generator: generator);
        using var lossSum = zeros(1);
        for (var start = 0; start < count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var size = Math.Min(batchSize, count - start);
            var x = train.Images.index_select(0, permutation.narrow(0, start, size));
            var (mu, logVar) = model.Encoder.forward(x);
            var eps = randn(mu.shape, generator: generator);
            var z = mu + (logVar * 0.5).exp() * eps;
            var xHat = model.Decoder.forward(z);
            var recon = functional.mse_loss(xHat, x, Reduction.Sum) / size;
            var kl = -0.5 * (1 + logVar - mu.square() - logVar.exp()).sum() / size;
            var loss = recon + kl;
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            using (no_grad())
            {
                lossSum.add_(loss.detach() * size);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        return (count / seconds, lossSum.item<float>() / count);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        generator.Dispose();
        model.Dispose();
    }
}
