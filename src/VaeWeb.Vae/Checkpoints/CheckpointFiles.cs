using System.Security.Cryptography;
using System.Text.Json;

namespace VaeWeb.Vae.Checkpoints;

/// <summary>
/// Reading a checkpoint's files against its manifest, and the durable-write steps every file of a
/// checkpoint goes through: static, so a serve-only replica and an import verify exactly as the
/// trainer does without a store of their own.
/// </summary>
public static class CheckpointFiles
{
    /// <summary>Reads one manifest without checking the files it lists; null when it does not parse (yet).</summary>
    public static CheckpointManifest? TryReadManifest(string manifestPath)
    {
        try
        {
            return JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllBytes(manifestPath), CheckpointStore.Json);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Checks one checkpoint against its manifest; null when it verifies.</summary>
    /// <param name="includeOptimizer">
    /// False checks only what serving reads (weights and metadata): a serve-only replica then reads a
    /// third of the bytes (the Adam state is twice the weights), which matters when many of them
    /// read one network volume after every epoch. Resuming needs the whole checkpoint.
    /// </param>
    public static string? Verify(string runDirectory, string stem, out CheckpointMetadata? metadata, bool includeOptimizer = true)
    {
        metadata = null;
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllBytes(Path.Combine(runDirectory, stem + CheckpointStore.ManifestSuffix)), CheckpointStore.Json);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return $"the manifest does not parse ({e.Message})";
        }

        if (manifest?.Sha256 is null || manifest.Sha256.Count == 0)
        {
            return "the manifest lists no files";
        }

        foreach (var suffix in includeOptimizer ? [CheckpointStore.WeightsSuffix, CheckpointStore.OptimizerSuffix, CheckpointStore.MetadataSuffix] : new[] { CheckpointStore.WeightsSuffix, CheckpointStore.MetadataSuffix })
        {
            var name = stem + suffix;
            var path = Path.Combine(runDirectory, name);
            if (!manifest.Sha256.TryGetValue(name, out var expected))
            {
                return $"the manifest does not list {name}";
            }

            if (!File.Exists(path))
            {
                return $"{name} is missing";
            }

            if (!string.Equals(Sha256Of(path), expected, StringComparison.OrdinalIgnoreCase))
            {
                return $"{name} does not match its SHA-256 in the manifest (truncated or corrupt)";
            }
        }

        try
        {
            metadata = JsonSerializer.Deserialize<CheckpointMetadata>(File.ReadAllBytes(Path.Combine(runDirectory, stem + CheckpointStore.MetadataSuffix)), CheckpointStore.Json);
        }
        catch (JsonException e)
        {
            return $"the metadata does not parse ({e.Message})";
        }

        return metadata is null ? "the metadata is empty" : null;
    }

    /// <summary>A checkpoint's metadata without checking its hashes; null when it does not parse.</summary>
    public static CheckpointMetadata? ReadMetadata(string runDirectory, string stem)
    {
        try
        {
            return JsonSerializer.Deserialize<CheckpointMetadata>(File.ReadAllBytes(Path.Combine(runDirectory, stem + CheckpointStore.MetadataSuffix)), CheckpointStore.Json);
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    /// <summary>The SHA-256 of a file, lower-case hex, as manifests hold it.</summary>
    public static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>fsync of one file.</summary>
    public static void FlushToDisk(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>fsync on the directory makes the renames themselves durable (POSIX only).</summary>
    public static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Some file systems refuse to open directories; the renames are still atomic there.
        }
    }

    /// <summary>The stems of a run directory's checkpoints: one per manifest.</summary>
    public static IEnumerable<string> StemsOf(string runDirectory) =>
        Directory.EnumerateFiles(runDirectory, "*" + CheckpointStore.ManifestSuffix).Select(p => Path.GetFileName(p)[..^CheckpointStore.ManifestSuffix.Length]);

    /// <summary>The model version a checkpoint stem stands for (<c>epoch-0003</c> → <c>&lt;run&gt;.e3</c>), or null for a name that is not a stem.</summary>
    public static string? VersionOf(string runId, string stem)
    {
        var parts = stem.Split('-');
        var number = (string s) => int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : (int?)null;
        return parts switch
        {
            ["epoch", var e] when number(e) is { } epoch => ModelVersions.Format(runId, epoch),
            ["epoch", var e, "step", var s] when number(e) is { } epoch && number(s) is { } step => ModelVersions.Format(runId, epoch, step),
            _ => null,
        };
    }
}
