using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Model;
using VaeWeb.Vae;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Bench;

/// <summary>
/// What a user would write by hand in TorchSharp for the same model: the reference layers in plain
/// NCHW, Adam, batches index_select'ed from a shuffled permutation, the loss inline, no progress
/// reporting and no host reads inside the epoch. Its layers are created in the service model's
/// order after the same manual_seed, so both start from identical weights; it draws from its
/// generator in the same order as the service's trainer (permutation, then one ε per step), so
/// with the same seed both see the same batches and noise and their loss curves compare epoch by epoch.
/// </summary>
public sealed class BareLoop : IDisposable
{
    private readonly Module<Tensor, Tensor> encoder;
    private readonly Linear mu;
    private readonly Linear logVar;
    private readonly Module<Tensor, Tensor> decoder;
    private readonly Adam optimizer;
    private readonly Generator generator;
    private readonly DigitSplit train;
    private readonly int batchSize;
    private readonly long seed;

    public BareLoop(ModelConfig c, DigitSplit train, long seed, int batchSize, double learningRate)
    {
        this.train = train;
        this.batchSize = batchSize;
        this.seed = seed;
        manual_seed(seed);
        var conv1 = Conv2d(1, c.Conv1Channels, 3, stride: 2, padding: 1);
        var conv2 = Conv2d(c.Conv1Channels, c.Conv2Channels, 3, stride: 2, padding: 1);
        var fc = Linear(c.FlatFeatures, c.HiddenUnits);
        mu = Linear(c.HiddenUnits, c.LatentDim);
        logVar = Linear(c.HiddenUnits, c.LatentDim);
        var dfc = Linear(c.LatentDim, c.FlatFeatures);
        var deconv1 = ConvTranspose2d(c.Conv2Channels, c.Conv2Channels, 3, stride: 2, padding: 1, output_padding: 1);
        var deconv2 = ConvTranspose2d(c.Conv2Channels, c.Conv1Channels, 3, stride: 2, padding: 1, output_padding: 1);
        var output = Conv2d(c.Conv1Channels, 1, 3, stride: 1, padding: 1);
        encoder = Sequential(conv1, ReLU(), conv2, ReLU(), Flatten(), fc, ReLU());
        decoder = Sequential(dfc, ReLU(), Unflatten(1, [c.Conv2Channels, 7, 7]), deconv1, ReLU(), deconv2, ReLU(), output, Sigmoid());
        var parameters = encoder.parameters().Concat(mu.parameters()).Concat(logVar.parameters()).Concat(decoder.parameters());
        optimizer = optim.Adam(parameters, lr: learningRate);
        generator = new Generator((ulong)seed);
    }

    private Tensor? permutation;
    private Tensor? lossSum;

    /// <summary>
    /// Seeds the epoch's noise and draws its permutation exactly as the service's Trainer does
    /// (per-epoch seeds, so a resumed run shuffles like an uninterrupted one).
    /// </summary>
    public void BeginEpoch(int epoch)
    {
        permutation?.Dispose();
        lossSum?.Dispose();
        var epochSeed = unchecked((seed * 1_000_003L) + epoch);
        generator.manual_seed(epochSeed);
        using var shuffle = new Generator(unchecked((ulong)(epochSeed ^ 0x5DEECE66DL)));
        permutation = randperm(train.Count, generator: shuffle);
        lossSum = zeros(1);
    }

    /// <summary>One optimisation step on the <paramref name="step"/>-th batch of the epoch; returns its seconds.</summary>
    public double Step(int step)
    {
        var clock = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        var start = step * batchSize;
        var size = Math.Min(batchSize, train.Count - start);
        var x = train.Images.index_select(0, permutation!.narrow(0, start, size));
        var h = encoder.forward(x);
        var m = mu.forward(h);
        var lv = logVar.forward(h);
        var eps = randn(m.shape, generator: generator);
        var z = m.Plus(lv.Times(0.5).exp() * eps);
        var xHat = decoder.forward(z);
        var recon = functional.mse_loss(xHat, x, Reduction.Sum).Over(size);
        var kl = (lv.Plus(1) - m.square() - lv.exp()).sum().Times(-0.5).Over(size);
        var loss = recon.Plus(kl);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        using (no_grad())
        {
            lossSum!.PlusInPlace(loss.detach().Times(size));
        }

        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The mean training loss of the epoch so far (one host read).</summary>
    public double EpochLoss() => lossSum!.item<float>() / train.Count;

    public void Dispose()
    {
        permutation?.Dispose();
        lossSum?.Dispose();
        optimizer.Dispose();
        generator.Dispose();
        encoder.Dispose();
        mu.Dispose();
        logVar.Dispose();
        decoder.Dispose();
    }
}
