using VaeWeb.Vae.Data;
using VaeWeb.Vae.Training;

namespace VaeWeb.Bench;

/// <summary>Epoch time against training-set size on Fashion-MNIST (60k images), and the memory it takes.</summary>
public static class ScalingBench
{
    public const string FashionPath = "/usr/share/datasets/fashion-mnist";

    public static void Run(Report report, string path, int runs, int threads)
    {
        if (!File.Exists(Path.Combine(path, DigitDataset.TrainImages + ".gz")) && !File.Exists(Path.Combine(path, DigitDataset.TrainImages)))
        {
            report.Note($"Scaling and 60k memory skipped: Fashion-MNIST not found in {path} (Debian package dataset-fashion-mnist; `sudo apt-get install -y dataset-fashion-mnist`).");
            return;
        }

        using var full = DigitDataset.Load("fashion-mnist", path);
        Stat? first = null;
        var firstSize = 0;
        foreach (var size in new[] { 10_000, 30_000, 60_000 })
        {
            // The test split is cut to 1,000 so the per-epoch evaluation stays a small, constant share.
            using var train = full.Train.Take(size);
            using var test = full.Test.Take(1_000);
            using var data = new DigitDataset(full.Name, train, test);
            using var trainer = new Trainer(new TrainingConfig { Seed = 0, Threads = threads }, data);
            var epochs = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var result = trainer.RunEpoch();
                epochs.Add(train.Count / result.ImagesPerSecond);
                Console.WriteLine($"    {size:N0} images, epoch {i + 1}: {epochs[^1]:F1} s ({result.ImagesPerSecond:F0} images/s, test loss {result.Test.Loss:F2})");
            }

            var stat = Stat.Of(epochs);
            if (first is null)
            {
                first = stat;
                firstSize = size;
                report.Add("scaling", $"epoch, {size:N0} Fashion-MNIST images", stat, "s", note: $"{size / stat.Median:F0} images/s");
            }
            else
            {
                // Baseline: the 10k epoch time scaled linearly, so 1.00 means cost grows exactly with work.
                var linear = TrainingBench.Scale(first, (double)size / firstSize);
                report.Add("scaling", $"epoch, {size:N0} Fashion-MNIST images", stat, "s", $"10k × {size / firstSize}", linear, $"{size / stat.Median:F0} images/s");
            }
        }

        if (Measure.PeakRssMiB() is { } peak)
        {
            report.Add("memory", "peak RSS of the bench process after training on 60k", new Stat(peak, peak, peak, 1), "MiB", note: "VmHWM; the service's figure (training + serving) is in the HTTP table");
        }
    }
}
