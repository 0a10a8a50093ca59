using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Training;

/// <summary>The loss went NaN or infinite: the run cannot continue.</summary>
public sealed class NonFiniteLossException(int epoch, int step, LossSummary loss)
    : Exception($"The loss became non-finite at epoch {epoch}, step {step} (loss {loss.Loss}, reconstruction {loss.Reconstruction}, KL {loss.Kl}).");

/// <summary>
/// Trains a <see cref="ConvVae"/> with Adam on one data set. Deterministic for a given seed and
/// thread count: the weights are initialised from the seed, and one generator seeded from it drives
/// both the per-epoch shuffles and the reparameterisation noise. Not thread-safe: one thread owns it.
/// </summary>
public sealed class Trainer : IDisposable
{
    // Small enough that the trainer pauses for waiting requests every few tens of milliseconds.
    private const int EvaluationBatch = 250;

    private readonly DigitDataset data;
    private readonly Generator generator;
    private readonly Adam optimizer;

    public Trainer(TrainingConfig config, DigitDataset data, LayerForms? forms = null)
    {
        Config = config;
        this.data = data;
        if (config.Threads > 0)
        {
            TorchThreads.ForThisThread(config.Threads);
        }

        // Weight initialisation draws from LibTorch's global generator; seed it and build the model
        // under the construction lock so no other construction can interleave its draws.
        lock (ConvVae.InitLock)
        {
            manual_seed(config.Seed);
            Model = new ConvVae(config.Model, forms);
        }

        if (config.Precision == Precision.Bf16)
        {
            Model.ComputeType = bfloat16;
        }

        generator = new Generator((ulong)config.Seed);
        optimizer = optim.Adam(Model.parameters(), lr: config.LearningRate);
    }

    public TrainingConfig Config { get; }

    public ConvVae Model { get; }

    public DigitDataset Data => data;

    /// <summary>Epochs finished so far (the next epoch to run is this plus one).</summary>
    public int CompletedEpochs { get; private set; }

    /// <summary>
    /// Steps of the next epoch already taken: non-zero after a run stopped mid-epoch (or was
    /// restored from such a stop), so <see cref="RunEpoch"/> carries on from there.
    /// </summary>
    public int CompletedSteps { get; private set; }

    /// <summary>
    /// Called on the training thread after every forward pass, every step and every evaluation batch: the service
    /// lets requests that wait for the model compute there, so they never share the cores with a
    /// step. Its time counts as the epoch's time.
    /// </summary>
    public Action? Pause { get; set; }

    public int StepsPerEpoch => (data.Train.Count + Config.BatchSize - 1) / Config.BatchSize;

    /// <summary>Runs one epoch over a fresh permutation of the training split, then scores the test split.</summary>
    public EpochResult RunEpoch(Action<StepProgress>? onStep = null, CancellationToken cancellationToken = default)
    {
        var epoch = CompletedEpochs + 1;
        var train = data.Train.Images;
        var count = data.Train.Count;
        var steps = StepsPerEpoch;
        var clock = Stopwatch.StartNew();
        double lossSum = 0, reconSum = 0, klSum = 0;
        var seen = 0;

        Model.train();
        var first = CompletedSteps;
        if (first == 0)
        {
            // Each epoch's stream starts from a seed that depends only on (seed, epoch), so a run
            // resumed from a checkpoint shuffles exactly as the uninterrupted run would have.
            generator.manual_seed(EpochSeed(epoch));
        }

        using var permutation = ShuffleFor(epoch, count);
        for (var step = first; step < steps; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var size = Math.Min(Config.BatchSize, count - step * Config.BatchSize);
            var batch = train.index_select(0, permutation.narrow(0, step * Config.BatchSize, size));
            var output = Model.ForwardSampled(batch, generator);
            var parts = VaeLoss.Compute(output.Logits, batch, output.Mu, output.LogVar, Config.Model.Likelihood, Config.Model.Beta);
            Pause?.Invoke(); // Mid-step too: a waiting request then waits half a step, not a whole one.

            optimizer.zero_grad();
            parts.Loss.backward();
            optimizer.step();

            // One host read per step for all three numbers.
            var values = stack([parts.Loss.detach(), parts.Reconstruction.detach(), parts.Kl.detach()]).data<float>();
            var stepLoss = new LossSummary(values[0], values[1], values[2]);
            if (!stepLoss.IsFinite)
            {
                throw new NonFiniteLossException(epoch, step + 1, stepLoss);
            }

            CompletedSteps = step + 1;
            lossSum += stepLoss.Loss * size;
            reconSum += stepLoss.Reconstruction * size;
            klSum += stepLoss.Kl * size;
            seen += size;
            onStep?.Invoke(new StepProgress(
                epoch,
                step + 1,
                steps,
                new LossSummary(lossSum / seen, reconSum / seen, klSum / seen),
                seen / clock.Elapsed.TotalSeconds));
            Pause?.Invoke();
        }

        var trainTime = clock.Elapsed;
        var test = Evaluate(data.Test);
        CompletedEpochs = epoch;
        CompletedSteps = 0;
        return new EpochResult(
            epoch,
            new LossSummary(lossSum / seen, reconSum / seen, klSum / seen),
            test,
            clock.Elapsed,
            seen / trainTime.TotalSeconds);
    }

    /// <summary>
    /// The training loss (same definition, one sampled z per image) on a split, without gradients.
    /// A fixed generator makes the figure repeatable for the same weights.
    /// </summary>
    public LossSummary Evaluate(DigitSplit split) => Evaluate(Model, split, Config.Model, Pause);

    public static LossSummary Evaluate(ConvVae model, DigitSplit split, ModelConfig config, Action? pause = null)
    {
        var wasTraining = model.training;
        // Scored in fp32 whatever the run trains in, as the served copy computes: the test loss of
        // a bf16 run then compares 1:1 with an fp32 run's.
        var computeType = model.ComputeType;
        model.ComputeType = float32;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var evalGenerator = new Generator(12345);
            double loss = 0, recon = 0, kl = 0;
            for (var start = 0; start < split.Count; start += EvaluationBatch)
            {
                using var scope = NewDisposeScope();
                var size = Math.Min(EvaluationBatch, split.Count - start);
                var batch = split.Images.narrow(0, start, size);
                var output = model.ForwardSampled(batch, evalGenerator);
                var parts = VaeLoss.Compute(output.Logits, batch, output.Mu, output.LogVar, config.Likelihood, config.Beta);
                var values = stack([parts.Loss, parts.Reconstruction, parts.Kl]).data<float>();
                loss += values[0] * size;
                recon += values[1] * size;
                kl += values[2] * size;
                pause?.Invoke();
            }

            return new LossSummary(loss / split.Count, recon / split.Count, kl / split.Count);
        }
        finally
        {
            model.ComputeType = computeType;
            model.train(wasTraining);
        }
    }

    /// <summary>Saves the optimiser's state (Adam moments and step counts) for a resumable checkpoint.</summary>
    public void SaveOptimizerState(string path) => optimizer.save_state_dict(path);

    /// <summary>
    /// Restores weights and optimiser state and continues after <paramref name="completedEpochs"/>
    /// epochs and <paramref name="completedSteps"/> steps of the next one (a mid-epoch stop).
    /// </summary>
    public void Restore(string weightsPath, string optimizerPath, int completedEpochs, int completedSteps = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(completedEpochs);
        ArgumentOutOfRangeException.ThrowIfNegative(completedSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(completedSteps, Math.Max(StepsPerEpoch, 1));
        Model.load(weightsPath);
        optimizer.load_state_dict(optimizerPath);
        CompletedEpochs = completedEpochs;
        CompletedSteps = completedSteps;
        // Mid-epoch, the permutation is rebuilt from (seed, epoch) and the noise stream restarts at
        // a point that depends on where we resume, not on the past.
        generator.manual_seed(unchecked(EpochSeed(completedEpochs + 1) + completedSteps));
    }

    private long EpochSeed(int epoch) => unchecked((Config.Seed * 1_000_003L) + epoch);

    /// <summary>The epoch's shuffle, from its own generator so it can be rebuilt when resuming mid-epoch.</summary>
    private Tensor ShuffleFor(int epoch, int count)
    {
        using var shuffle = new Generator(unchecked((ulong)(EpochSeed(epoch) ^ 0x5DEECE66DL)));
        return randperm(count, generator: shuffle);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        generator.Dispose();
        Model.Dispose();
    }
}
