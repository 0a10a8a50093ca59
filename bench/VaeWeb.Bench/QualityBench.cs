using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Training;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Judge;
using VaeWeb.Vae.Latent;
using static TorchSharp.torch;

namespace VaeWeb.Bench;

/// <summary>
/// The README's quality table: for each run of a state directory (its newest checkpoint), the test loss
/// terms from the run history, −ELBO and IWAE in nats, and the in-app judge's scores of each sampler
/// (prior; aggregate at T = 1 and 0.8; the decoded test μ as the decoder's ceiling), plus a seeded 6×6
/// grid per likelihood and sampler. Usage: VaeWeb.Bench --quality STATE_DIR [--pictures DIR] [--out FILE].
/// </summary>
public static class QualityBench
{
    private const int Samples = 1000;

    public static int Run(string stateDirectory, string? pictures, string? outPath, int threads)
    {
        set_num_threads(threads);
        var dataDir = Path.Combine(AppContext.BaseDirectory, "data", "mnist");
        using var mnist = DigitDataset.Load("mnist", dataDir);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var judge = DigitJudge.Train(mnist, threads: threads);
        Console.WriteLine($"Judge trained in {System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s: test accuracy {judge.TestAccuracy:P2}");
        using var reference = judge.Statistics(mnist.Test.Images);
        var real = judge.Score(mnist.Test.Images, reference);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Judge: test accuracy {judge.TestAccuracy:P1}; real test digits IS {real.InceptionScore:F2}, FID {real.FrechetDistance:F1}, confident {real.ConfidentShare:P0}.");
        report.AppendLine();
        report.AppendLine("| likelihood | sampler | IS | FID | confident | test loss (recon + KL) | −ELBO / −IWAE₁₀₀ (nats) | grid |");
        report.AppendLine("| --- | --- | ---: | ---: | ---: | --- | --- | --- |");

        var options = Options.Create(new VaeOptions { StateDirectory = stateDirectory });
        var runs = new RunStore(options, new JsonSerializerOptionsProvider());
        var checkpoints = new CheckpointStore(Path.GetFullPath(stateDirectory)).LoadVerified(readOnly: true);
        foreach (var checkpoint in checkpoints.GroupBy(c => c.Metadata.RunId).Select(g => g.MaxBy(c => (c.Metadata.Epoch, c.Metadata.Step))!).OrderBy(c => c.Metadata.RunId))
        {
            var meta = checkpoint.Metadata;
            using var model = InferenceModel.Load(meta.Config.Model, checkpoint.WeightsPath, meta.ModelVersion);
            var likelihood = meta.Config.Model.Likelihood.ToString().ToLowerInvariant();
            var epochs = runs.Get(meta.RunId)?.Epochs;
            var last = epochs is { Count: > 0 } ? epochs[^1] : null;
            var loss = last is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{last.TestLoss:F2} ({last.TestReconstruction:F2} + {last.TestKl:F2})");
            var bound = BoundAccumulator.Evaluate(model.Module, mnist.Test.Images, k: 100, seed: 0).Summary();
            var nats = string.Create(CultureInfo.InvariantCulture, $"{bound.NegativeElbo:F1} / {-bound.Iwae:F1}");
            Console.WriteLine($"{meta.ModelVersion} ({likelihood}): test loss {loss}, -ELBO/-IWAE {nats}");
            var aggregate = AggregatePosterior.Fit(model.Module, mnist.Train);
            var rows = new (string Name, string File, Func<int, long, float[][]> Draw)[]
            {
                ("prior", "prior", (n, seed) => model.Sample(n, seed)),
                ("aggregate", "aggregate", (n, seed) => model.Decode(aggregate.Sample(n, seed))),
                ("aggregate, T = 0.8", "aggregate-t0.8", (n, seed) => model.Decode(aggregate.Sample(n, seed, 0.8))),
                ("aggregate, digit = 7", "aggregate-digit7", (n, seed) => model.Decode(aggregate.Sample(n, seed, 1.0, 7))),
                ("test μ decoded (ceiling)", "", (n, _) => model.Decode(LatentDiagnostics.Encode(model.Module, mnist.Test.Images).Mu)),
            };
            foreach (var (name, file, draw) in rows)
            {
                var images = draw(Samples, 0);
                using var t = tensor(images.SelectMany(r => r).ToArray(), [images.Length, 784]);
                var s = judge.Score(t, reference);
                var picture = "";
                if (pictures is not null && file.Length > 0)
                {
                    Directory.CreateDirectory(pictures);
                    var path = Path.Combine(pictures, $"quality-{likelihood}-{file}.png");
                    File.WriteAllBytes(path, PngRenderer.Grid(draw(36, 1)));
                    picture = $"![{likelihood}, {name}]({Path.GetFileName(path)})";
                }

                var histogram = string.Join(" ", s.ClassHistogram);
                Console.WriteLine($"  {name,-26} IS {s.InceptionScore,5:F2}  FID {s.FrechetDistance,6:F1}  confident {s.ConfidentShare,4:P0}  classes [{histogram}]");
                report.AppendLine(CultureInfo.InvariantCulture, $"| {likelihood} | {name} | {s.InceptionScore:F2} | {s.FrechetDistance:F1} | {s.ConfidentShare:P0} | {loss} | {nats} | {picture} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine(report);
        if (outPath is not null)
        {
            File.WriteAllText(outPath, report.ToString());
        }

        return 0;
    }
}
