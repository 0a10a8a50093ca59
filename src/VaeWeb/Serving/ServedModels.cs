using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using VaeWeb.Api;
using VaeWeb.Configuration;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Inference;

namespace VaeWeb.Serving;

/// <summary>What serves requests that name no model: the pinned version, if any, and the version serving now.</summary>
public sealed record ServingState(string? Pinned, string? Serving);

/// <summary>
/// Which model answers a request. Without <c>model</c>: the pinned version, else the newest
/// (<see cref="ModelHost"/>). With <c>model</c> = a run id (its last epoch) or a version
/// <c>&lt;runId&gt;.e&lt;k&gt;</c>: that checkpoint, verified against its manifest and loaded into the
/// bounded <see cref="ModelCache"/>. Also owns the pin (<c>serving.json</c> in the state directory,
/// written by the trainer, read at start-up and followed by serve-only replicas).
/// </summary>
public sealed partial class ServedModels(
    ModelHost host,
    ModelCache cache,
    CheckpointStore checkpoints,
    LayerFormSelection layerForms,
    IOptions<VaeOptions> options,
    ILogger<ServedModels> logger)
{
    private static readonly JsonSerializerOptions PinJson = new(JsonSerializerDefaults.Web);

    private string PinPath => Path.Combine(Path.GetFullPath(options.Value.StateDirectory), "serving.json");

    public ServingState State => new(host.PinnedVersion, host.CurrentVersion);

    /// <summary>A lease on the model <paramref name="name"/> names (or the default one when null).</summary>
    /// <exception cref="NoModelException">No name, and nothing serves yet.</exception>
    /// <exception cref="BadInputException">400: the name is not a run id or version; 404: no such checkpoint verifies and loads.</exception>
    public ModelLease Acquire(string? name)
    {
        if (name is null)
        {
            return host.TryAcquire() ?? throw new NoModelException();
        }

        var found = Find(name);
        if (host.TryAcquire() is { } serving)
        {
            if (serving.Model.Version == found.Version)
            {
                return serving;
            }

            serving.Dispose();
        }

        return cache.Acquire(found.Version, () => LoadVerified(found));
    }

    /// <summary>The checkpoint <paramref name="name"/> names, without loading it.</summary>
    public ModelLocation Find(string name)
    {
        var match = NamePattern().Match(name);
        if (!match.Success)
        {
            throw BadInputException.Invalid("model", $"model must be a run id (as GET /runs lists it) or a version '<runId>.e<epoch>', got '{name}'.");
        }

        var runId = match.Groups["run"].Value;
        var directory = Path.Combine(checkpoints.Root, runId);
        var stems = Directory.Exists(directory) ? CheckpointFiles.StemsOf(directory).Where(s => CheckpointFiles.VersionOf(runId, s) is not null).Order(StringComparer.Ordinal).ToList() : [];
        if (stems.Count == 0)
        {
            throw UnknownModel($"No run '{runId}' has a checkpoint here; GET /runs lists the runs.");
        }

        string stem;
        if (match.Groups["epoch"].Success)
        {
            var step = match.Groups["step"].Success ? int.Parse(match.Groups["step"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            stem = CheckpointStore.StemFor(int.Parse(match.Groups["epoch"].Value, System.Globalization.CultureInfo.InvariantCulture), step);
            if (!stems.Contains(stem))
            {
                var kept = string.Join(", ", stems.Select(s => CheckpointFiles.VersionOf(runId, s)));
                throw UnknownModel($"Run '{runId}' has no checkpoint '{name}'; it keeps {kept}.");
            }
        }
        else
        {
            // A run's model is its last end-of-epoch checkpoint (a mid-epoch one only when it has no other).
            stem = stems.LastOrDefault(s => !s.Contains("-step-", StringComparison.Ordinal)) ?? stems[^1];
        }

        return new ModelLocation(directory, stem, CheckpointFiles.VersionOf(runId, stem) ?? ModelVersions.Format(runId, 0));
    }

    /// <summary>Pins what <paramref name="name"/> names: it serves requests without <c>model</c> until unpinned.</summary>
    public ServingState Pin(string name)
    {
        var found = Find(name);
        host.Pin(LoadVerified(found));
        WritePin(found.Version);
        LogPinned(found.Version);
        return State;
    }

    /// <summary>Unpins: the newest checkpoint on disk serves again (and the trainer's next epoch after it).</summary>
    public ServingState Unpin()
    {
        host.Unpin(LoadNewest);
        WritePin(null);
        LogUnpinned(host.CurrentVersion ?? "nothing");
        return State;
    }

    /// <summary>True when <paramref name="runId"/>'s model is what requests without <c>model</c> get.</summary>
    public bool Serves(string runId) =>
        (host.PinnedVersion ?? host.CurrentVersion) is { } version && version.StartsWith(runId + ".", StringComparison.Ordinal);

    /// <summary>Lets go of a deleted run's loaded models.</summary>
    public void Forget(string runId) => cache.Forget(v => v.StartsWith(runId + ".", StringComparison.Ordinal));

    /// <summary>
    /// At start-up: serves the pinned version when <c>serving.json</c> names one that still loads,
    /// else the newest checkpoint that verifies and loads.
    /// </summary>
    public void LoadAtStartup()
    {
        if (ReadPin() is { } pinned)
        {
            try
            {
                host.Pin(LoadVerified(Find(pinned)));
                LogPinned(pinned);
                return;
            }
            catch (Exception e) when (e is BadInputException or IOException)
            {
                LogPinLost(pinned, e.Message);
            }
        }

        if (LoadNewest() is { } newest)
        {
            host.Publish(newest);
        }
    }

    /// <summary>On a serve-only replica: applies the trainer's pin when it changed. True when something changed.</summary>
    public bool FollowPin()
    {
        var pinned = ReadPin();
        if (pinned == host.PinnedVersion)
        {
            return false;
        }

        try
        {
            if (pinned is null)
            {
                host.Unpin(LoadNewest);
            }
            else
            {
                host.Pin(LoadVerified(Find(pinned)));
            }

            return true;
        }
        catch (Exception e) when (e is BadInputException or IOException)
        {
            LogPinLost(pinned ?? "none", e.Message);
            return false;
        }
    }

    /// <summary>Loads a checkpoint that verified, with this CPU's layer forms and the serving thread count.</summary>
    public InferenceModel LoadCheckpoint(Checkpoint checkpoint) =>
        InferenceModel.Load(checkpoint.Metadata.Config.Model, checkpoint.WeightsPath, checkpoint.Metadata.ModelVersion, layerForms.Forms, options.Value.Serving.Threads);

    /// <summary>Verifies what serving reads of <paramref name="found"/> against its manifest, then loads it; 404 on <c>model</c> when either fails.</summary>
    public InferenceModel LoadVerified(ModelLocation found)
    {
        var problem = CheckpointFiles.Verify(found.Directory, found.Stem, out var metadata, includeOptimizer: false);
        if (problem is not null || metadata is null)
        {
            throw UnknownModel($"Checkpoint {found.Version} does not verify ({problem ?? "no metadata"}), so it is not served.");
        }

        var checkpoint = new Checkpoint(found.Directory, found.Stem, metadata);
        try
        {
            return LoadCheckpoint(checkpoint);
        }
        catch (Exception e)
        {
            LogCheckpointUnloadable(e, found.Version);
            throw UnknownModel($"Checkpoint {found.Version} verified but its weights did not load ({e.Message}), so it is not served.");
        }
    }

    /// <summary>The newest checkpoint that verifies and loads; a serve-only replica moves nothing aside.</summary>
    private InferenceModel? LoadNewest()
    {
        var verified = checkpoints.LoadVerified((name, problem) => LogCheckpointRejected(name, problem), readOnly: !options.Value.Training.Enabled);
        // Newest first; a checkpoint whose weights fail to load falls back to the one before it.
        foreach (var checkpoint in verified.Reverse())
        {
            try
            {
                var metadata = checkpoint.Metadata;
                var model = LoadCheckpoint(checkpoint);
                LogCheckpointLoaded(metadata.ModelVersion);
                return model;
            }
            catch (Exception e)
            {
                LogCheckpointUnloadable(e, checkpoint.Stem);
            }
        }

        return null;
    }

    private string? ReadPin()
    {
        try
        {
            return File.Exists(PinPath) ? JsonSerializer.Deserialize<ServingState>(File.ReadAllBytes(PinPath), PinJson)?.Pinned : null;
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            LogPinLost("serving.json", e.Message);
            return null;
        }
    }

    /// <summary>Temporary file, flushed, renamed: a crash leaves the old pin or the new one.</summary>
    private void WritePin(string? version)
    {
        var temp = PinPath + ".tmp";
        Directory.CreateDirectory(Path.GetDirectoryName(PinPath)!);
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, new ServingState(version, null), PinJson);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, PinPath, overwrite: true);
    }

    /// <summary>A well-formed <c>model</c> that names nothing servable: 404 on the field.</summary>
    private static BadInputException UnknownModel(string detail) => new(StatusCodes.Status404NotFound, "model", detail);

    /// <summary>What a <c>model</c> name looks like (the OpenAPI document's pattern).</summary>
    public const string NameRule = @"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}(\.e[0-9]{1,5}(\.s[0-9]{1,6})?)?$";

    [GeneratedRegex(@"^(?<run>[A-Za-z0-9][A-Za-z0-9_-]{0,79})(\.e(?<epoch>[0-9]{1,5})(\.s(?<step>[0-9]{1,6}))?)?$")]
    private static partial Regex NamePattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Pinned {ModelVersion}: it serves until unpinned")]
    private partial void LogPinned(string modelVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unpinned: {ModelVersion} serves")]
    private partial void LogUnpinned(string modelVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The pinned model {ModelVersion} cannot be served ({Problem}); serving the newest")]
    private partial void LogPinLost(string modelVersion, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint {Checkpoint} failed verification ({Problem}); moved aside")]
    private partial void LogCheckpointRejected(string checkpoint, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checkpoint {Checkpoint} verified but did not load; trying an older one")]
    private partial void LogCheckpointUnloadable(Exception exception, string checkpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving model {ModelVersion} from its checkpoint")]
    private partial void LogCheckpointLoaded(string modelVersion);
}

/// <summary>One checkpoint a model name resolved to.</summary>
public sealed record ModelLocation(string Directory, string Stem, string Version);

