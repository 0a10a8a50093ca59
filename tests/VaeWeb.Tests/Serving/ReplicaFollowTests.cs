using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Model;
using VaeWeb.Vae.Training;

namespace VaeWeb.Tests.Serving;

/// <summary>Serve-only replicas on the trainer's state directory: they follow it, skip what is damaged and write nothing.</summary>
public class ReplicaFollowTests
{
    private static readonly TrainingConfig TinyConfig = new()
    {
        Epochs = 3,
        BatchSize = 64,
        Seed = 3,
        Threads = 1,
        Model = ModelConfig.Reference with { LatentDim = 8 },
    };

    private static Dictionary<string, string?> ServeOnly(string stateDirectory) => new()
    {
        ["Vae:StateDirectory"] = stateDirectory,
        ["Vae:Training:Enabled"] = "false",
        ["Vae:Serving:FollowInterval"] = "00:00:00.100",
    };

    [Fact]
    public async Task A_replica_started_before_any_model_serves_each_epoch_the_trainer_finishes_and_its_history()
    {
        using var trainer = new VaeWebFactory();
        using var trainerClient = trainer.CreateClient();
        using var replica = new ConfiguredFactory(ServeOnly(trainer.StateDirectory));
        using var replicaClient = replica.CreateClient();
        using (var before = await replicaClient.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        }

        var run = await trainer.TrainAsync(trainerClient, new { epochs = 2, seed = 11 });
        Assert.Equal(RunState.Completed, run.State);

        var served = await WaitForVersionAsync(replicaClient, run.ModelVersion!);
        using var samples = await replicaClient.GetAsync("/samples?n=4");
        var runs = await replicaClient.GetFromJsonAsync<List<RunRecord>>("/runs", VaeWebFactory.Json);
        // The epoch's checkpoint is written before the run is recorded completed: the replica may
        // serve e2 one look (FollowInterval) before its history says so.
        var status = await replicaClient.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json);
        for (var look = 0; look < 50 && status!.State != RunState.Completed; look++)
        {
            await Task.Delay(100);
            status = await replicaClient.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json);
        }

        Assert.Equal($"{run.RunId}.e2", served);
        Assert.Equal(HttpStatusCode.OK, samples.StatusCode);
        Assert.Equal(served, samples.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal([1, 2], runs!.Single(r => r.RunId == run.RunId).Epochs.Select(e => e.Epoch));
        Assert.Equal(RunState.Completed, status!.State);
        Assert.Equal(run.RunId, status.RunId);
        Assert.Equal(served, status.ModelVersion);
        Assert.Contains(replica.Logs, l => l.Contains($"Now serving {served}", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_replica_reads_and_follows_but_changes_no_file_of_the_state_directory()
    {
        using var state = new TempDirectory();
        string runId;
        using (var trainer = new VaeWebFactory(state.Path))
        {
            using var client = trainer.CreateClient();
            var run = await trainer.TrainAsync(client, new { epochs = 1, seed = 5 });
            runId = run.RunId!;
        }

        using var replica = new ConfiguredFactory(ServeOnly(state.Path));
        using var replicaClient = replica.CreateClient();
        await WaitForVersionAsync(replicaClient, $"{runId}.e1");
        // The trainer writes epoch 2 of the same run while the replica runs.
        var store = new CheckpointStore(state.Path);
        using (var data = TestData.Slice(128, 64))
        using (var same = new Trainer(ReadConfig(store, runId), data))
        {
            Save(store, runId, same, epoch: 2);
        }

        var before = Snapshot(state.Path);
        await WaitForVersionAsync(replicaClient, $"{runId}.e2");
        foreach (var path in new[] { "/readyz", "/samples?n=9", "/runs", $"/runs/{runId}", "/train", "/model", "/latent-map?n=64", "/metrics", "/healthz" })
        {
            using var response = await replicaClient.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}");
        }

        await replica.DisposeAsync();
        var after = Snapshot(state.Path);

        Assert.Contains(PublishedRunHistory.FileName, before.Keys);
        Assert.Equal(before, after);
        // Epoch 1 was loaded at start-up; following swaps in only what is newer, once.
        Assert.DoesNotContain(replica.Logs, l => l.Contains($"Now serving {runId}.e1,", StringComparison.Ordinal));
        Assert.Single(replica.Logs, l => l.Contains($"Now serving {runId}.e2,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_damaged_newer_checkpoint_is_skipped_with_a_warning_and_the_next_good_one_serves()
    {
        using var state = new TempDirectory();
        using var staging = new TempDirectory();
        var store = new CheckpointStore(state.Path);
        var aside = new CheckpointStore(staging.Path);
        using var data = TestData.Slice(128, 64);
        using var trainer = new Trainer(TinyConfig, data);
        Save(store, "run-f", trainer, epoch: 1);

        using var replica = new ConfiguredFactory(ServeOnly(state.Path));
        using var client = replica.CreateClient();
        await WaitForVersionAsync(client, "run-f.e1");

        // Epoch 2 arrives with its weights cut in half (a copy that died midway, a bad disk): built
        // aside and moved in manifest last, as the trainer does, so the replica never sees it whole.
        var damaged = Save(aside, "run-f", trainer, epoch: 2);
        var bytes = File.ReadAllBytes(damaged.WeightsPath);
        File.WriteAllBytes(damaged.WeightsPath, bytes[..(bytes.Length / 2)]);
        MoveIn(damaged, Path.Combine(store.Root, "run-f"));
        await WaitForLogAsync(replica, "run-f/epoch-0002 skipped, not served");

        using (var still = await client.GetAsync("/samples?n=4"))
        {
            Assert.Equal("run-f.e1", still.Headers.GetValues("X-Model-Version").Single());
        }

        Save(store, "run-f", trainer, epoch: 3);
        Assert.Equal("run-f.e3", await WaitForVersionAsync(client, "run-f.e3"));
        Assert.Single(replica.Logs, l => l.Contains("run-f/epoch-0002 skipped", StringComparison.Ordinal));
        Assert.True(File.Exists(damaged.WeightsPath.Replace(staging.Path, state.Path, StringComparison.Ordinal)), "the replica must leave the damaged files where the trainer put them");
    }

    private static Checkpoint Save(CheckpointStore store, string runId, Trainer trainer, int epoch)
    {
        var result = trainer.RunEpoch();
        var metadata = new CheckpointMetadata(runId, epoch, "tiny", trainer.Config, result with { Epoch = epoch }, DateTimeOffset.UtcNow.AddSeconds(epoch));
        return store.Save(metadata, path => trainer.Model.save(path), trainer.SaveOptimizerState);
    }

    private static TrainingConfig ReadConfig(CheckpointStore store, string runId) =>
        store.LatestVerified(runId)!.Metadata.Config;

    private static void MoveIn(Checkpoint checkpoint, string runDirectory)
    {
        Directory.CreateDirectory(runDirectory);
        foreach (var suffix in new[] { CheckpointStore.WeightsSuffix, CheckpointStore.OptimizerSuffix, CheckpointStore.MetadataSuffix, CheckpointStore.ManifestSuffix })
        {
            File.Copy(Path.Combine(checkpoint.Directory, checkpoint.Stem + suffix), Path.Combine(runDirectory, checkpoint.Stem + suffix));
        }
    }

    /// <summary>Every file and folder under <paramref name="root"/> with its size, time and SHA-256.</summary>
    private static Dictionary<string, string> Snapshot(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .ToDictionary(
                p => Path.GetRelativePath(root, p),
                p => File.Exists(p)
                    ? $"{new FileInfo(p).Length} {File.GetLastWriteTimeUtc(p):O} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(p)))}"
                    : $"dir {Directory.GetLastWriteTimeUtc(p):O}");

    private static async Task<string> WaitForVersionAsync(HttpClient client, string version)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? seen = null;
        while (DateTime.UtcNow < deadline)
        {
            using var ready = await client.GetAsync("/readyz");
            seen = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("modelVersion").GetString();
            if (seen == version)
            {
                return seen;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The replica did not serve {version} in time; it serves {seen ?? "nothing"}");
    }

    private static async Task WaitForLogAsync(ConfiguredFactory factory, string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!factory.Logs.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no log line said '{text}'");
            await Task.Delay(50);
        }
    }
}
