using System.Globalization;
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
    /// Alternates one epoch of each (order swapped every round so neither always runs on a warmer
    /// or quieter machine); the first round is a warm-up and not counted.
    /// </summary>
    public static void Compare(Report report, DigitDataset data, int runs, int threads, Stat ceiling)
    {
        var config = new TrainingConfig { Seed = 0, Threads = threads };
        using var trainer = new Trainer(config, data);
        using var bare = new BareLoop(config.Model, data.Train, config.Seed, config.BatchSize, config.LearningRate);
        set_num_threads(threads);

        var bareSpeeds = new List<double>();
        var trainerSpeeds = new List<double>();
        var ratios = new List<double>();
        var losses = new List<string>();
        for (var round = 0; round <= runs; round++)
        {
            double bareSpeed, trainerSpeed, bareLoss, trainerLoss;
            if (round % 2 == 0)
            {
                (bareSpeed, bareLoss) = bare.RunEpoch();
                (trainerSpeed, trainerLoss) = TrainerEpoch(trainer);
            }
            else
            {
                (trainerSpeed, trainerLoss) = TrainerEpoch(trainer);
                (bareSpeed, bareLoss) = bare.RunEpoch();
            }

            Console.WriteLine($"    epoch {round + 1}: bare {bareSpeed:F0} img/s loss {bareLoss:F3} | trainer {trainerSpeed:F0} img/s loss {trainerLoss:F3}{(round == 0 ? " (warm-up, not counted)" : "")}");
            losses.Add(string.Create(CultureInfo.InvariantCulture, $"{bareLoss:F2}/{trainerLoss:F2}"));
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
        report.Add("training", $"bare TorchSharp loop ({data.Name}, batch {config.BatchSize}, {threads} threads, fp32)", bareStat, "images/s", note: "baseline");
        report.Add("training", "service Trainer, same model and data", trainerStat, "images/s", "bare loop", bareStat, "target ≥ 0.95 × bare loop");
        report.Add("training", "service Trainer ÷ bare loop, per adjacent pair of epochs", Stat.Of(ratios), "ratio", note: "steadier than the ratio of medians on a shared machine");
        report.Add("training", "bare loop achieved", Scale(bareStat, stepFlop / 1e9), "GFLOP/s", "matmul ceiling", ceiling);
        report.Add("training", "service Trainer achieved", Scale(trainerStat, stepFlop / 1e9), "GFLOP/s", "matmul ceiling", ceiling, "target ≥ 0.50 × ceiling (≥ 2,000 images/s)");
        report.Note($"Loss per epoch, bare loop / service Trainer (same seed, same batches and noise): {string.Join(", ", losses)}.");
    }

    private static (double, double) TrainerEpoch(Trainer trainer)
    {
        var result = trainer.RunEpoch();
        return (result.ImagesPerSecond, result.Train.Loss);
    }

    public static Stat Scale(Stat s, double factor) => new(s.Median * factor, s.Min * factor, s.Max * factor, s.Runs);
}
