using System.Diagnostics;
using System.Globalization;
using VaeWeb.Vae;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;
using static TorchSharp.torch;

namespace VaeWeb.Bench;

/// <summary>Training throughput: the service's Trainer against a bare loop, both against the matmul ceiling.</summary>
public static class TrainingBench
{
    public const int MatrixSide = 2048;

    /// <summary>LibTorch's fp32 matrix multiply, the practical ceiling for dense maths on this machine.</summary>
    public static Stat MatmulCeiling(int runs)
    {
        using var a = randn(MatrixSide, MatrixSide);
        using var b = randn(MatrixSide, MatrixSide);
        var flop = 2.0 * MatrixSide * MatrixSide * MatrixSide;
        var perCall = Measure.Latency(runs, () => a.matmul(b).Dispose(), runSeconds: 0.5);
        return new Stat(flop / (perCall.Median / 1e3) / 1e9, flop / (perCall.Max / 1e3) / 1e9, flop / (perCall.Min / 1e3) / 1e9, perCall.Runs);
    }

    /// <summary>
    /// Runs the two step by step, interleaved: after each step of the service's Trainer (inside its
    /// progress callback) the bare loop takes its step on the same batch index. Both therefore see
    /// the same machine within milliseconds, which on a shared machine matters more than anything
    /// else; a step's time is charged to whichever ran it. The first epoch is a warm-up.
    /// </summary>
    public static void Compare(Report report, DigitDataset data, int runs, int threads, Stat ceiling, LayerForms forms, Precision precision = Precision.Fp32)
    {
        var config = new TrainingConfig { Seed = 0, Threads = threads, Precision = precision };
        var section = precision == Precision.Fp32 ? "training" : "training bf16";
        using var trainer = new Trainer(config, data, forms);
        using var bare = new BareLoop(config.Model, data.Train, config.Seed, config.BatchSize, config.LearningRate);
        TorchThreads.ForThisThread(threads);

        var bareSpeeds = new List<double>();
        var trainerSpeeds = new List<double>();
        var ratios = new List<double>();
        var losses = new List<string>();
        for (var round = 0; round <= runs; round++)
        {
            bare.BeginEpoch(round + 1);
            var bareSeconds = 0.0;
            var trainerSeconds = 0.0;
            var clock = Stopwatch.StartNew();
            var result = trainer.RunEpoch(step =>
            {
                // Everything since the last mark was the Trainer's step (and its own bookkeeping).
                trainerSeconds += clock.Elapsed.TotalSeconds;
                bareSeconds += bare.Step(step.Step - 1);
                clock.Restart();
            });
            var count = data.Train.Count;
            var bareSpeed = count / bareSeconds;
            var trainerSpeed = count / trainerSeconds;
            var bareLoss = bare.EpochLoss();
            Console.WriteLine($"    epoch {round + 1}: bare {bareSpeed:F0} img/s loss {bareLoss:F3} | trainer {trainerSpeed:F0} img/s loss {result.Train.Loss:F3}{(round == 0 ? " (warm-up, not counted)" : "")}");
            losses.Add(string.Create(CultureInfo.InvariantCulture, $"{bareLoss:F2}/{result.Train.Loss:F2}"));
            if (round > 0)
            {
                bareSpeeds.Add(bareSpeed);
                trainerSpeeds.Add(trainerSpeed);
                ratios.Add(trainerSpeed / bareSpeed);
            }
        }

        var bareStat = Stat.Of(bareSpeeds);
        var trainerStat = Stat.Of(trainerSpeeds);
        var stepFlop = Flops.TrainingStepPerImage(config.Model);
        report.Add(section, $"bare TorchSharp loop, plain NCHW ({data.Name}, batch {config.BatchSize}, {threads} threads, fp32)", bareStat, "images/s", note: "baseline; steps interleaved with the Trainer's");
        report.Add(section, $"service Trainer, same model, data, seed, {precision.ToString().ToLowerInvariant()}", trainerStat, "images/s", "bare loop", bareStat, "target ≥ 0.95 × bare loop");
        report.Add(section, "service Trainer ÷ bare loop, per epoch", Stat.Of(ratios), "ratio", note: "median of per-epoch ratios");
        report.Add(section, "bare loop achieved", Scale(bareStat, stepFlop / 1e9), "GFLOP/s", "matmul ceiling", ceiling);
        report.Add(section, "service Trainer achieved", Scale(trainerStat, stepFlop / 1e9), "GFLOP/s", "matmul ceiling", ceiling, "target ≥ 0.50 × ceiling (≥ 2,000 images/s)");
        report.Note($"{precision}: training loss per epoch, bare loop (fp32) / service Trainer (same seed, same batches and noise): {string.Join(", ", losses)}.");
    }

    public static Stat Scale(Stat s, double factor) => new(s.Median * factor, s.Min * factor, s.Max * factor, s.Runs);
}
