using System.Globalization;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Training;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Inference;

namespace VaeWeb.Serving;

/// <summary>
/// On a serve-only replica (<c>Vae:Training:Enabled=false</c>): every <c>Vae:Serving:FollowInterval</c>
/// looks at the checkpoint manifests the trainer writes and, when one is newer than the model that
/// serves, verifies what serving reads (weights, metadata) against its manifest, loads it and swaps it in (<see cref="ModelHost.Publish"/>:
/// requests in flight finish on the old model). A checkpoint that fails is skipped with one warning and
/// never served. While the trainer has a version pinned (<c>serving.json</c>), that version serves here too. It also re-reads the trainer's published run history, so <c>GET /runs</c> and
/// <c>GET /train</c> follow too. It reads only: nothing in the state directory is created, moved or deleted.
/// </summary>
public sealed partial class CheckpointFollower(
    IOptions<VaeOptions> options,
    CheckpointStore checkpoints,
    ModelHost models,
    ServedModels served,
    RunStore runs,
    RunReporter reporter,
    TimeProvider time,
    ILogger<CheckpointFollower> logger) : BackgroundService
{
    private readonly Dictionary<string, (ManifestSeen Seen, DateTimeOffset CreatedAt)> createdAtCache = new(StringComparer.Ordinal);
    private readonly HashSet<ManifestSeen> rejected = [];
    private DateTimeOffset servedCreatedAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Training.Enabled)
        {
            return;
        }

        LogFollowing(checkpoints.Root, options.Value.Serving.FollowInterval.TotalMilliseconds);
        using var timer = new PeriodicTimer(options.Value.Serving.FollowInterval, time);
        try
        {
            do
            {
                // Each look in its own try: a file system hiccup (or anything else) never stops following,
                // and never stops the host, which keeps serving the model it has.
                try
                {
                    FollowOnce();
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogLookFailed(e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One look: the run history and the checkpoints; <c>GET /train</c> then shows both.</summary>
    private void FollowOnce()
    {
        var historyChanged = runs.RefreshPublished();
        var before = models.CurrentVersion;
        // The trainer's pin (PUT /serving) first: while one is pinned, newer checkpoints are not swapped in.
        served.FollowPin();
        var manifests = ScanManifests();
        if (servedCreatedAt == DateTimeOffset.MinValue && before is not null)
        {
            // Loaded at start-up by the training service: remember how new it is.
            servedCreatedAt = manifests.FirstOrDefault(m => m.Version == before)?.CreatedAt ?? DateTimeOffset.MinValue;
        }

        var newer = models.PinnedVersion is null ? manifests.Where(m => m.CreatedAt > servedCreatedAt) : [];
        foreach (var candidate in newer.Where(m => !rejected.Contains(m.Seen)).OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Stem, StringComparer.Ordinal))
        {
            if (TryServe(candidate))
            {
                break;
            }
        }

        if (historyChanged || models.CurrentVersion != before)
        {
            reporter.ShowLastRecordedRun();
        }
    }

    private bool TryServe(Candidate candidate)
    {
        var problem = CheckpointFiles.Verify(candidate.RunDirectory, candidate.Stem, out var metadata, includeOptimizer: false);
        if (problem is null && metadata is not null)
        {
            try
            {
                var checkpoint = new Checkpoint(candidate.RunDirectory, candidate.Stem, metadata);
                models.PublishNewest(() => served.LoadCheckpoint(checkpoint));
                servedCreatedAt = candidate.CreatedAt;
                var lag = time.GetUtcNow() - new DateTimeOffset(candidate.Seen.Written, TimeSpan.Zero);
                LogSwapped(metadata.ModelVersion, lag.TotalMilliseconds);
                return true;
            }
            catch (Exception e)
            {
                problem = $"its weights did not load ({e.Message})";
            }
        }

        rejected.Add(candidate.Seen);
        LogSkipped(Path.GetFileName(candidate.RunDirectory) + "/" + candidate.Stem, problem ?? "unreadable metadata", models.CurrentVersion ?? "nothing");
        return false;
    }

    /// <summary>Every manifest on disk with the time it claims; a manifest is parsed once per (size, time) it has.</summary>
    private List<Candidate> ScanManifests()
    {
        var found = new List<Candidate>();
        if (!Directory.Exists(checkpoints.Root))
        {
            return found;
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var runDirectory in Directory.EnumerateDirectories(checkpoints.Root))
        {
            foreach (var path in Directory.EnumerateFiles(runDirectory, "*" + CheckpointStore.ManifestSuffix))
            {
                var info = new FileInfo(path);
                if (!info.Exists)
                {
                    continue; // removed by retention since the listing
                }

                present.Add(path);
                var now = new ManifestSeen(path, info.Length, info.LastWriteTimeUtc);
                var stem = info.Name[..^CheckpointStore.ManifestSuffix.Length];
                if (CreatedAtOf(now) is { } createdAt)
                {
                    found.Add(new Candidate(runDirectory, stem, CheckpointFiles.VersionOf(Path.GetFileName(runDirectory), stem), createdAt, now));
                }
            }
        }

        foreach (var gone in createdAtCache.Keys.Where(p => !present.Contains(p)).ToList())
        {
            createdAtCache.Remove(gone);
        }

        rejected.RemoveWhere(r => !present.Contains(r.Path));
        return found;
    }

    private DateTimeOffset? CreatedAtOf(ManifestSeen manifest)
    {
        if (createdAtCache.TryGetValue(manifest.Path, out var cached) && cached.Seen == manifest)
        {
            return cached.CreatedAt;
        }

        if (CheckpointFiles.TryReadManifest(manifest.Path) is not { } parsed)
        {
            return null;
        }

        createdAtCache[manifest.Path] = (manifest, parsed.CreatedAt);
        return parsed.CreatedAt;
    }

    private sealed record ManifestSeen(string Path, long Length, DateTime Written);

    private sealed record Candidate(string RunDirectory, string Stem, string? Version, DateTimeOffset CreatedAt, ManifestSeen Seen);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serve-only: following the trainer's checkpoints in {Root} every {IntervalMs} ms")]
    private partial void LogFollowing(string root, double intervalMs);

    // The lag compares this machine's clock with the manifest's modification time (the file server's on a network volume).
    [LoggerMessage(Level = LogLevel.Information, Message = "Now serving {ModelVersion}, {LagMs:F0} ms after the trainer wrote its manifest")]
    private partial void LogSwapped(string modelVersion, double lagMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint {Checkpoint} skipped, not served: {Problem}; still serving {ModelVersion}")]
    private partial void LogSkipped(string checkpoint, string problem, string modelVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look at the state directory; trying again at the next interval")]
    private partial void LogLookFailed(Exception exception);
}
