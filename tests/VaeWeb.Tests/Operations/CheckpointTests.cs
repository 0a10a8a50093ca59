using System.Net.Http.Json;
using System.Text.Json;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;

namespace VaeWeb.Tests.Operations;

public class CheckpointTests
{
    private static readonly TrainingConfig TinyConfig = new()
    {
        Epochs = 2,
        BatchSize = 64,
        Seed = 5,
        Threads = 1,
        Model = ModelConfig.Reference with { LatentDim = 8 },
    };

    [Theory]
    [InlineData("truncated")]
    [InlineData("corrupt")]
    [InlineData("empty")]
    public async Task A_damaged_newest_checkpoint_is_moved_aside_and_the_previous_good_one_serves(string damage)
    {
        using var state = new TempDirectory();
        var store = new CheckpointStore(state.Path);
        TrainTwoEpochs(store, "run-a");
        var weights = Path.Combine(store.Root, "run-a", CheckpointStore.StemFor(2) + CheckpointStore.WeightsSuffix);
        Damage(weights, damage);

        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:StateDirectory"] = state.Path });
        using var client = factory.CreateClient();
        using var ready = await client.GetAsync("/readyz");
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("run-a.e1", body.GetProperty("modelVersion").GetString());
        Assert.False(File.Exists(weights));
        Assert.Contains(Directory.EnumerateFiles(store.QuarantineRoot, "*", SearchOption.AllDirectories), f => Path.GetFileName(f).StartsWith("epoch-0002.weights", StringComparison.Ordinal));
        Assert.Contains(factory.Logs, l => l.Contains("failed verification", StringComparison.Ordinal));
        using var samples = await client.GetAsync("/samples?n=4");
        Assert.Equal("run-a.e1", samples.Headers.GetValues("X-Model-Version").Single());
    }

    [Fact]
    public void Retention_keeps_the_last_k_and_the_best_by_test_loss()
    {
        using var state = new TempDirectory();
        var store = new CheckpointStore(state.Path);
        double[] testLosses = [50, 10, 40, 30, 20];
        for (var epoch = 1; epoch <= testLosses.Length; epoch++)
        {
            var result = new EpochResult(epoch, new LossSummary(60, 55, 5), new LossSummary(testLosses[epoch - 1], 1, 1), TimeSpan.FromSeconds(1), 100);
            store.Save(new CheckpointMetadata("run-r", epoch, "tiny", TinyConfig, result, DateTimeOffset.UtcNow), p => File.WriteAllText(p, $"w{epoch}"), p => File.WriteAllText(p, $"o{epoch}"));
            store.ApplyRetention("run-r", keepLast: 2);
        }

        var kept = Directory.EnumerateFiles(Path.Combine(store.Root, "run-r"), "*" + CheckpointStore.ManifestSuffix)
            .Select(p => Path.GetFileName(p)[..^CheckpointStore.ManifestSuffix.Length])
            .Order(StringComparer.Ordinal);

        Assert.Equal([CheckpointStore.StemFor(2), CheckpointStore.StemFor(4), CheckpointStore.StemFor(5)], kept);
        Assert.Equal(3 * 4, Directory.EnumerateFiles(Path.Combine(store.Root, "run-r")).Count()); // three whole checkpoints (weights, optimiser, metadata, manifest), nothing else
        Assert.Equal(5, store.LatestVerified("run-r")!.Metadata.Epoch);
    }

    private static void TrainTwoEpochs(CheckpointStore store, string runId)
    {
        using var data = TestData.Slice(128, 64);
        using var trainer = new Trainer(TinyConfig, data);
        for (var epoch = 1; epoch <= 2; epoch++)
        {
            var result = trainer.RunEpoch();
            store.Save(
                new CheckpointMetadata(runId, result.Epoch, "tiny", TinyConfig, result, DateTimeOffset.UtcNow.AddSeconds(epoch)),
                path => trainer.Model.save(path),
                trainer.SaveOptimizerState);
        }
    }

    private static void Damage(string path, string how)
    {
        switch (how)
        {
            case "truncated":
                var bytes = File.ReadAllBytes(path);
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                break;
            case "corrupt":
                var corrupt = File.ReadAllBytes(path);
                corrupt[corrupt.Length / 2] ^= 0xFF;
                File.WriteAllBytes(path, corrupt);
                break;
            default:
                File.WriteAllBytes(path, []);
                break;
        }
    }
}
