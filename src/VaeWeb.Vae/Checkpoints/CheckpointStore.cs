using System.Text.Json;
using System.Text.Json.Serialization;

namespace VaeWeb.Vae.Checkpoints;

/// <summary>
/// Checkpoints under <c>checkpoints/&lt;run&gt;/epoch-&lt;k&gt;.*</c>. Every file is written to a
/// temporary name, flushed to disk and renamed; the manifest holding each file's SHA-256 is
/// written the same way, last, so a crash at any moment leaves either a whole checkpoint or files
/// that no manifest vouches for. A checkpoint that fails its manifest is moved aside, never loaded.
/// </summary>
public sealed class CheckpointStore
{
    public const string WeightsSuffix = ".weights";
    public const string OptimizerSuffix = ".optim";
    public const string MetadataSuffix = ".json";
    public const string ManifestSuffix = ".manifest.json";
    private const string TempSuffix = ".tmp";

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    public CheckpointStore(string stateDirectory)
    {
        Root = Path.Combine(stateDirectory, "checkpoints");
        QuarantineRoot = Path.Combine(stateDirectory, "quarantine");
    }

    public string Root { get; }

    public string QuarantineRoot { get; }

    public static string StemFor(int epoch, int step = 0) => step == 0 ? $"epoch-{epoch:D4}" : $"epoch-{epoch:D4}-step-{step:D5}";

    /// <summary>Writes a checkpoint; the two callbacks write the weights and optimiser files to the path given.</summary>
    public Checkpoint Save(CheckpointMetadata metadata, Action<string> writeWeights, Action<string> writeOptimizer)
    {
        var directory = Path.Combine(Root, metadata.RunId);
        Directory.CreateDirectory(directory);
        var stem = StemFor(metadata.Epoch, metadata.Step);
        var hashes = new Dictionary<string, string>();

        void WriteFile(string suffix, Action<string> write)
        {
            var final = Path.Combine(directory, stem + suffix);
            var temp = final + TempSuffix;
            write(temp);
            CheckpointFiles.FlushToDisk(temp);
            hashes[stem + suffix] = CheckpointFiles.Sha256Of(temp);
            File.Move(temp, final, overwrite: true);
        }

        WriteFile(WeightsSuffix, writeWeights);
        WriteFile(OptimizerSuffix, writeOptimizer);
        WriteFile(MetadataSuffix, path => File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(metadata, Json)));

        var manifest = new CheckpointManifest(1, hashes, metadata.CreatedAt);
        var manifestPath = Path.Combine(directory, stem + ManifestSuffix);
        var manifestTemp = manifestPath + TempSuffix;
        File.WriteAllBytes(manifestTemp, JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
        CheckpointFiles.FlushToDisk(manifestTemp);
        File.Move(manifestTemp, manifestPath, overwrite: true);
        CheckpointFiles.FlushDirectory(directory);
        return new Checkpoint(directory, stem, metadata);
    }

    /// <summary>
    /// All checkpoints whose manifests verify, oldest first. Anything that fails (a missing or
    /// damaged file, a manifest that does not parse) is moved to the quarantine folder and
    /// reported through <paramref name="onRejected"/>.
    /// </summary>
    /// <remarks>
    /// A serve-only replica shares the trainer's directory and passes <paramref name="readOnly"/>:
    /// it then skips what fails and leaves everything where it is, since a checkpoint that fails
    /// there may simply be one the trainer is still writing.
    /// </remarks>
    public IReadOnlyList<Checkpoint> LoadVerified(Action<string, string>? onRejected = null, bool readOnly = false)
    {
        var found = new List<Checkpoint>();
        if (!Directory.Exists(Root))
        {
            return found;
        }

        foreach (var runDirectory in Directory.EnumerateDirectories(Root))
        {
            if (!readOnly)
            {
                RemoveLeftoverTemporaries(runDirectory);
                RemoveOrphans(runDirectory);
            }

            foreach (var manifestPath in Directory.EnumerateFiles(runDirectory, "*" + ManifestSuffix))
            {
                var stem = Path.GetFileName(manifestPath)[..^ManifestSuffix.Length];
                var problem = CheckpointFiles.Verify(runDirectory, stem, out var metadata);
                if (problem is null && metadata is not null)
                {
                    found.Add(new Checkpoint(runDirectory, stem, metadata));
                }
                else
                {
                    if (!readOnly)
                    {
                        Quarantine(runDirectory, stem);
                    }

                    onRejected?.Invoke(Path.Combine(Path.GetFileName(runDirectory), stem), problem ?? "unreadable metadata");
                }
            }
        }

        return found.OrderBy(c => c.Metadata.CreatedAt).ThenBy(c => c.Metadata.Epoch).ThenBy(c => c.Metadata.Step).ToList();
    }

    /// <summary>The newest checkpoint of one run that verifies (furthest in training), or null.</summary>
    public Checkpoint? LatestVerified(string runId)
    {
        var directory = Path.Combine(Root, runId);
        if (!Directory.Exists(directory))
        {
            return null;
        }

        foreach (var stem in CheckpointFiles.StemsOf(directory).OrderByDescending(s => s, StringComparer.Ordinal))
        {
            if (CheckpointFiles.Verify(directory, stem, out var metadata) is null && metadata is not null)
            {
                return new Checkpoint(directory, stem, metadata);
            }
        }

        return null;
    }

    /// <summary>
    /// Retention for one run: keeps the <paramref name="keepLast"/> newest checkpoints (so resume
    /// always has the latest) and the end-of-epoch checkpoint with the lowest test loss; deletes
    /// the rest. Returns the stems kept.
    /// </summary>
    public IReadOnlySet<string> ApplyRetention(string runId, int keepLast)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        var directory = Path.Combine(Root, runId);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (!Directory.Exists(directory))
        {
            return keep;
        }

        // Stems sort in training order (zero-padded epoch, then step).
        var stems = CheckpointFiles.StemsOf(directory).OrderBy(s => s, StringComparer.Ordinal).ToList();
        keep.UnionWith(stems.TakeLast(keepLast));
        var best = stems
            .Select(stem => (Stem: stem, Metadata: CheckpointFiles.ReadMetadata(directory, stem)))
            .Where(c => c.Metadata is { Step: 0 } && double.IsFinite(c.Metadata.Result.Test.Loss))
            .MinBy(c => c.Metadata!.Result.Test.Loss);
        if (best.Stem is not null)
        {
            keep.Add(best.Stem);
        }

        DeleteExcept(runId, keep);
        return keep;
    }


    /// <summary>
    /// Deletes a run's checkpoints and its folder: the manifests first, so a crash midway leaves
    /// only files no manifest vouches for (removed at the next start).
    /// </summary>
    public void DeleteRun(string runId)
    {
        var directory = Path.Combine(Root, runId);
        if (!Directory.Exists(directory))
        {
            return;
        }

        DeleteExcept(runId, new HashSet<string>());
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>Deletes every checkpoint of <paramref name="runId"/> except those in <paramref name="keep"/>.</summary>
    public void DeleteExcept(string runId, IReadOnlySet<string> keep)
    {
        var directory = Path.Combine(Root, runId);
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var manifestPath in Directory.EnumerateFiles(directory, "*" + ManifestSuffix))
        {
            var stem = Path.GetFileName(manifestPath)[..^ManifestSuffix.Length];
            if (keep.Contains(stem))
            {
                continue;
            }

            // The manifest goes first: without it the rest is no longer a checkpoint.
            File.Delete(manifestPath);
            foreach (var suffix in new[] { WeightsSuffix, OptimizerSuffix, MetadataSuffix })
            {
                File.Delete(Path.Combine(directory, stem + suffix));
            }
        }
    }

    private void Quarantine(string runDirectory, string stem)
    {
        var target = Path.Combine(QuarantineRoot, Path.GetFileName(runDirectory));
        Directory.CreateDirectory(target);
        var stamp = DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var file in Directory.EnumerateFiles(runDirectory, stem + ".*"))
        {
            File.Move(file, Path.Combine(target, $"{Path.GetFileName(file)}.{stamp}"), overwrite: true);
        }
    }

    /// <summary>
    /// Files of a checkpoint whose manifest was never written (the process died between the renames
    /// and the manifest) or was deleted first by retention: no manifest vouches for them, so they go.
    /// </summary>
    private static void RemoveOrphans(string runDirectory)
    {
        var stems = CheckpointFiles.StemsOf(runDirectory).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(runDirectory))
        {
            var name = Path.GetFileName(file);
            var suffix = new[] { WeightsSuffix, OptimizerSuffix, MetadataSuffix }.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal) && !name.EndsWith(ManifestSuffix, StringComparison.Ordinal));
            if (suffix is not null && !stems.Contains(name[..^suffix.Length]))
            {
                File.Delete(file);
            }
        }
    }

    private static void RemoveLeftoverTemporaries(string runDirectory)
    {
        foreach (var temp in Directory.EnumerateFiles(runDirectory, "*" + TempSuffix))
        {
            File.Delete(temp);
        }
    }
}
