using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;
using VaeWeb.Vae.Checkpoints;
using Xunit.Abstractions;

namespace VaeWeb.Tests.Operations;

/// <summary>
/// The real service as a child process, killed with SIGKILL at random moments during training —
/// half of them while a checkpoint file is being written — and restarted each time. The first kill
/// lands with two more runs queued behind the running one: after each restart the queue carries on
/// (the next queued run starts on its own) and none of its runs is lost; once it is empty, each
/// restart resumes the run that was killed. Five kills in the suite; <c>VAEWEB_CRASH_KILLS=50</c> runs the full count (figures go to the test output and,
/// with <c>VAEWEB_CRASH_REPORT=path</c>, to a file).
/// </summary>
public class CrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killed_at_random_moments_the_service_restarts_with_a_verified_checkpoint_and_a_clean_history()
    {
        var kills = int.TryParse(Environment.GetEnvironmentVariable("VAEWEB_CRASH_KILLS"), CultureInfo.InvariantCulture, out var k) ? k : 5;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("VAEWEB_CRASH_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Environment.TickCount;
        var random = new Random(seed);
        using var state = new TempDirectory();
        var settings = ServiceProcess.TinySettings(state.Path);
        settings["Vae__Datasets__tiny__TrainLimit"] = "256";
        settings["Vae__Datasets__tiny__TestLimit"] = "128";
        settings["Vae__Training__KeepLastCheckpoints"] = "2";
        var checkpoints = new CheckpointStore(state.Path);
        var figures = new CrashFigures();
        string? runId = null;
        var queue = new List<string>();

        for (var kill = 0; kill <= kills; kill++)
        {
            var clock = Stopwatch.StartNew();
            using var service = ServiceProcess.Start(settings);
            await service.WaitUntilUpAsync();
            figures.StartSeconds.Add(clock.Elapsed.TotalSeconds);
            if (kill > 0)
            {
                await CheckAfterRestartAsync(service, checkpoints, runId!, queue, figures);
            }

            if (kill == kills)
            {
                break;
            }

            if (queue.Count > 0)
            {
                // The trainer was free after the restart: the next queued run started on its own.
                runId = queue[0];
                queue.RemoveAt(0);
            }
            else
            {
                runId = await StartOrResumeAsync(service, runId);
            }

            if (kill == 0)
            {
                queue.AddRange(await QueueRunsAsync(service, Math.Min(2, kills - 1)));
                figures.Queued = queue.Count;
            }

            var running = await service.WaitForStatusAsync(st => st.RunId == runId && st.State == RunState.Running && st.Step > 0);
            var duringWrite = kill % 2 == 1;
            var progress = duringWrite
                ? await KillDuringCheckpointWriteAsync(service, checkpoints.Root, random)
                : await KillAfterAsync(service, TimeSpan.FromMilliseconds(random.Next(0, 2500)));
            CheckAfterKill(state.Path, checkpoints, runId, progress ?? running, figures);
        }

        var report = figures.Report(kills, seed);
        output.WriteLine(report);
        if (Environment.GetEnvironmentVariable("VAEWEB_CRASH_REPORT") is { Length: > 0 } path)
        {
            await File.WriteAllTextAsync(path, report);
        }

        Assert.True(figures.MaxEpochsLost <= 1.0, report);
    }

    private static async Task<string> StartOrResumeAsync(ServiceProcess service, string? runId)
    {
        if (runId is not null)
        {
            using var resume = await service.Client.PostAsJsonAsync("/train", new { resume = runId }, VaeWebFactory.Json);
            if (resume.StatusCode == HttpStatusCode.Accepted)
            {
                return runId;
            }

            // Killed before its first checkpoint: nothing to resume, so a new run starts.
            Assert.Equal(HttpStatusCode.Conflict, resume.StatusCode);
            Assert.Contains("no checkpoint", await resume.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var start = await service.Client.PostAsJsonAsync("/train", new { epochs = 1000, seed = 11 }, VaeWebFactory.Json);
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        return (await start.Content.ReadFromJsonAsync<RunStatus>(VaeWebFactory.Json))!.RunId!;
    }

    private static async Task<List<string>> QueueRunsAsync(ServiceProcess service, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var queued = await service.Client.PostAsJsonAsync("/runs", new { epochs = 1000, seed = 20 + i }, VaeWebFactory.Json);
            Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
            var status = (await queued.Content.ReadFromJsonAsync<RunStatus>(VaeWebFactory.Json))!;
            Assert.Equal((RunState.Queued, (int?)(i + 1)), (status.State, status.Position));
            ids.Add(status.RunId!);
        }

        return ids;
    }

    private static async Task<RunStatus?> KillAfterAsync(ServiceProcess service, TimeSpan delay)
    {
        await Task.Delay(delay);
        var last = await service.StatusAsync();
        service.Kill();
        return last;
    }

    /// <summary>Polls for a temporary checkpoint file and kills the moment one exists.</summary>
    private static async Task<RunStatus?> KillDuringCheckpointWriteAsync(ServiceProcess service, string root, Random random)
    {
        var last = await service.StatusAsync();
        var deadline = Stopwatch.StartNew();
        var polls = 0;
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (Directory.Exists(root) && Directory.EnumerateFiles(root, "*.tmp", SearchOption.AllDirectories).Any())
            {
                // A little jitter so kills land at different points of the write, flush and rename.
                Thread.SpinWait(random.Next(0, 20_000));
                service.Kill();
                return last;
            }

            if (++polls % 200 == 0)
            {
                last = await service.StatusAsync() ?? last;
            }
        }

        service.Kill();
        return last;
    }

    private static void CheckAfterKill(string stateDirectory, CheckpointStore checkpoints, string runId, RunStatus atKill, CrashFigures figures)
    {
        figures.Kills++;
        var files = Directory.Exists(checkpoints.Root) ? Directory.EnumerateFiles(checkpoints.Root, "*", SearchOption.AllDirectories).ToList() : [];
        var temporaries = files.Count(f => f.EndsWith(".tmp", StringComparison.Ordinal));
        if (temporaries > 0)
        {
            figures.KillsDuringWrite++;
        }

        // No zero-length file under a final name, and every checkpoint a manifest vouches for verifies.
        Assert.DoesNotContain(files, f => !f.EndsWith(".tmp", StringComparison.Ordinal) && new FileInfo(f).Length == 0);
        foreach (var manifest in files.Where(f => f.EndsWith(CheckpointStore.ManifestSuffix, StringComparison.Ordinal)))
        {
            var stem = Path.GetFileName(manifest)[..^CheckpointStore.ManifestSuffix.Length];
            Assert.Null(CheckpointFiles.Verify(Path.GetDirectoryName(manifest)!, stem, out _));
        }

        using (var connection = new SqliteConnection($"Data Source={Path.Combine(stateDirectory, "runs.db")};Pooling=false"))
        {
            connection.Open();
            using var check = connection.CreateCommand();
            check.CommandText = "PRAGMA integrity_check";
            Assert.Equal("ok", check.ExecuteScalar() as string);
        }

        // Every epoch the history recorded has its checkpoint: only the epoch in progress is lost.
        var store = new RunStore(Options.Create(new VaeOptions { StateDirectory = stateDirectory }), new JsonSerializerOptionsProvider());
        var recorded = store.Get(runId)?.Epochs.Select(e => e.Epoch).DefaultIfEmpty(0).Max() ?? 0;
        var latest = checkpoints.LatestVerified(runId);
        var (epoch, step) = latest is null ? (0, 0) : (latest.Metadata.Epoch, latest.Metadata.Step);
        Assert.True(epoch >= recorded, $"history records epoch {recorded} but the newest good checkpoint is epoch {epoch}");

        // Work lost: from the last progress the client saw to what the newest good checkpoint holds.
        if (atKill.StepsPerEpoch > 0 && atKill.RunId == runId)
        {
            var seen = ((atKill.Epoch - 1) * atKill.StepsPerEpoch) + atKill.Step;
            var kept = (epoch * atKill.StepsPerEpoch) + step;
            figures.EpochsLost.Add(Math.Max(0, seen - kept) / (double)atKill.StepsPerEpoch);
        }
    }

    private static async Task CheckAfterRestartAsync(ServiceProcess service, CheckpointStore checkpoints, string runId, List<string> queue, CrashFigures figures)
    {
        var runs = await service.Client.GetFromJsonAsync<List<RunRecord>>("/runs", VaeWebFactory.Json);
        Assert.NotNull(runs);
        Assert.Equal(RunState.Interrupted, runs.Single(r => r.RunId == runId).State);

        // No queued run is lost: each is still queued, but the first, which may have started.
        var active = runs.Where(r => r.State is RunState.Running or RunState.Queued).Select(r => r.RunId).ToHashSet();
        Assert.Equal(queue.ToHashSet(), active);
        Assert.DoesNotContain(runs, r => r.State == RunState.Running && (queue.Count == 0 || r.RunId != queue[0]));
        figures.QueuedKept += queue.Count;

        using var ready = await service.Client.GetAsync("/readyz");
        var latest = checkpoints.LatestVerified(runId);
        if (latest is null)
        {
            figures.RestartsWithoutCheckpoint++;
            return;
        }

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var version = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement.GetProperty("modelVersion").GetString();
        // The newest verified checkpoint, or already an epoch of the queued run that started after it.
        Assert.True(
            version == latest.Metadata.ModelVersion || (queue.Count > 0 && version!.StartsWith(queue[0] + ".", StringComparison.Ordinal)),
            $"serving {version}, newest verified checkpoint {latest.Metadata.ModelVersion}");
        // After start-up nothing unverified remains under a final name (in the killed run's folder:
        // a queued run that started since is writing its own).
        foreach (var file in Directory.EnumerateFiles(Path.Combine(checkpoints.Root, runId), "*", SearchOption.AllDirectories))
        {
            Assert.False(file.EndsWith(".tmp", StringComparison.Ordinal), file);
            var name = Path.GetFileName(file);
            var stem = name[..name.IndexOf('.', StringComparison.Ordinal)];
            Assert.Null(CheckpointFiles.Verify(Path.GetDirectoryName(file)!, stem, out _));
        }

        figures.Quarantined = Directory.Exists(checkpoints.QuarantineRoot)
            ? Directory.EnumerateFiles(checkpoints.QuarantineRoot, "*", SearchOption.AllDirectories).Count()
            : 0;
    }

    private sealed class CrashFigures
    {
        public int Kills { get; set; }

        public int KillsDuringWrite { get; set; }

        public int RestartsWithoutCheckpoint { get; set; }

        public int Quarantined { get; set; }

        public int Queued { get; set; }

        public int QueuedKept { get; set; }

        public List<double> StartSeconds { get; } = [];

        public List<double> EpochsLost { get; } = [];

        public double MaxEpochsLost => EpochsLost.DefaultIfEmpty(0).Max();

        public string Report(int planned, int seed) => string.Create(
            CultureInfo.InvariantCulture,
            $"""
            crash test: {Kills}/{planned} SIGKILLs (seed {seed}), {KillsDuringWrite} left a checkpoint write unfinished (.tmp present)
            restarts: {StartSeconds.Count - 1}, all came up; start to /healthz mean {StartSeconds.Average():F2} s, max {StartSeconds.DefaultIfEmpty(0).Max():F2} s
            restarts before any checkpoint existed: {RestartsWithoutCheckpoint}; files quarantined: {Quarantined}
            queue: {Queued} runs queued behind the first kill; queued runs found intact after restarts: {QueuedKept} (none lost)
            work lost per kill (epochs): mean {EpochsLost.DefaultIfEmpty(0).Average():F2}, max {MaxEpochsLost:F2}
            invariants held at every kill: manifests verify, no zero-length final file, runs.db integrity ok, no run left running but the queue's next, every queued run still queued, served version = newest verified checkpoint
            """);
    }
}
