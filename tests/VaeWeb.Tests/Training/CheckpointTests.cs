using VaeWeb.Tests.Infrastructure;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;

namespace VaeWeb.Tests.Training;

public class CheckpointTests
{
    private static (Trainer Trainer, EpochResult Result) TrainOneEpoch(Vae.Data.DigitDataset data)
    {
        var trainer = new Trainer(new TrainingConfig { BatchSize = 64, Seed = 3, Model = ModelConfig.Reference with { LatentDim = 6 } }, data);
        return (trainer, trainer.RunEpoch());
    }

    [Fact]
    public void A_checkpoint_round_trip_reproduces_decoded_images_exactly()
    {
        using var dir = new TempDirectory();
        using var data = TestData.Slice(train: 128, test: 32);
        var (trainer, result) = TrainOneEpoch(data);
        using (trainer)
        {
            var store = new CheckpointStore(dir.Path);
            var metadata = new CheckpointMetadata("run-a", 1, "mnist", trainer.Config, result, DateTimeOffset.UtcNow);
            var saved = store.Save(metadata, path => trainer.Model.save(path), trainer.SaveOptimizerState);
            using var live = InferenceModel.CopyOf(trainer.Model, "live");

            var loaded = Assert.Single(store.LoadVerified());
            using var restored = InferenceModel.Load(loaded.Metadata.Config.Model, loaded.WeightsPath, loaded.Metadata.ModelVersion);

            Assert.Equal(saved.Stem, loaded.Stem);
            Assert.Equal("run-a.e1", restored.Version);
            Assert.Equal(live.Sample(8, seed: 42), restored.Sample(8, seed: 42));
            Assert.Equal(live.Encode([data.Test.Pixels(0)]).Mu, restored.Encode([data.Test.Pixels(0)]).Mu);
        }
    }

    [Fact]
    public void Restoring_weights_and_optimiser_continues_the_epoch_counter()
    {
        using var dir = new TempDirectory();
        using var data = TestData.Slice(train: 128, test: 32);
        var (trainer, result) = TrainOneEpoch(data);
        Checkpoint saved;
        using (trainer)
        {
            var store = new CheckpointStore(dir.Path);
            saved = store.Save(new CheckpointMetadata("run-b", 1, "mnist", trainer.Config, result, DateTimeOffset.UtcNow), path => trainer.Model.save(path), trainer.SaveOptimizerState);
        }

        using var resumed = new Trainer(saved.Metadata.Config, data);
        resumed.Restore(saved.WeightsPath, saved.OptimizerPath, saved.Metadata.Epoch);
        var next = resumed.RunEpoch();

        Assert.Equal(2, next.Epoch);
        Assert.True(next.Test.Loss < result.Test.Loss * 1.05, $"resumed test loss {next.Test.Loss:F2} vs {result.Test.Loss:F2} before");
    }

    [Fact]
    public void A_checkpoint_whose_weights_were_truncated_is_moved_aside_and_the_previous_one_kept()
    {
        using var dir = new TempDirectory();
        using var data = TestData.Slice(train: 64, test: 32);
        var (trainer, result) = TrainOneEpoch(data);
        using (trainer)
        {
            var store = new CheckpointStore(dir.Path);
            var first = store.Save(new CheckpointMetadata("run-c", 1, "mnist", trainer.Config, result, DateTimeOffset.UtcNow), path => trainer.Model.save(path), trainer.SaveOptimizerState);
            var second = store.Save(new CheckpointMetadata("run-c", 2, "mnist", trainer.Config, result, DateTimeOffset.UtcNow.AddSeconds(1)), path => trainer.Model.save(path), trainer.SaveOptimizerState);
            var bytes = File.ReadAllBytes(second.WeightsPath);
            File.WriteAllBytes(second.WeightsPath, bytes[..(bytes.Length / 2)]);
            var rejected = new List<string>();

            var verified = store.LoadVerified((name, problem) => rejected.Add($"{name}: {problem}"));

            Assert.Equal(first.Stem, Assert.Single(verified).Stem);
            Assert.Contains(rejected, r => r.Contains("epoch-0002", StringComparison.Ordinal) && r.Contains("SHA-256", StringComparison.Ordinal));
            Assert.False(File.Exists(second.WeightsPath));
            Assert.NotEmpty(Directory.EnumerateFiles(store.QuarantineRoot, "*", SearchOption.AllDirectories));
        }
    }
}
