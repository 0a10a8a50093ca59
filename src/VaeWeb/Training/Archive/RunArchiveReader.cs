using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using VaeWeb.Api;
using VaeWeb.Vae.Checkpoints;

namespace VaeWeb.Training;

/// <summary>
/// Unpacks an export into a staging folder and checks every part of it, refusing at the first problem
/// with a <see cref="BadInputException"/> that names the entry: the zip opens; the manifest is this
/// format; the entries are exactly those it lists, each of its size and SHA-256; then what they say
/// (<see cref="RunArchiveContent"/>).
/// </summary>
/// <param name="isPresent">Whether this instance already holds a run of that id (then nothing is unpacked).</param>
public sealed class RunArchiveReader(JsonSerializerOptions json, long maxBytes, Func<string, bool> isPresent)
{
    internal const int MaxJsonBytes = 16 * 1024 * 1024;
    private static readonly JsonSerializerOptions ManifestJson = new(JsonSerializerDefaults.Web);

    public abstract record Result
    {
        public sealed record Staged(RunRecord Run, string CheckpointDirectory, int CheckpointCount) : Result;

        public sealed record Present(string RunId) : Result;
    }

    public Result Unpack(string zipPath, string staging)
    {
        using var file = File.OpenRead(zipPath);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(file, ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw Invalid("body", $"The body is not a complete zip archive (truncated, or not a zip at all): {e.Message} Send the file GET /runs/{{id}}/export wrote, unchanged.");
        }

        using (zip)
        {
            var manifest = ReadManifest(zip);
            var runId = manifest.RunId;
            var stems = CheckEntries(zip, manifest);
            if (isPresent(runId))
            {
                return new Result.Present(runId);
            }

            var checkpointDirectory = Path.Combine(staging, "checkpoints");
            Directory.CreateDirectory(checkpointDirectory);
            foreach (var expected in manifest.Entries)
            {
                var target = expected.Name == RunArchiveFormat.RunEntry
                    ? Path.Combine(staging, RunArchiveFormat.RunEntry)
                    : Path.Combine(checkpointDirectory, Path.GetFileName(expected.Name));
                Extract(zip.GetEntry(expected.Name)!, expected, target);
            }

            var run = RunArchiveContent.ReadRun(Path.Combine(staging, RunArchiveFormat.RunEntry), runId, json);
            foreach (var stem in stems)
            {
                RunArchiveContent.CheckCheckpoint(checkpointDirectory, runId, stem, run.Parameters);
            }

            return new Result.Staged(run, checkpointDirectory, stems.Count);
        }
    }

    private static RunArchiveManifest ReadManifest(ZipArchive zip)
    {
        var entry = zip.GetEntry(RunArchiveFormat.ManifestEntry)
            ?? throw Invalid(RunArchiveFormat.ManifestEntry, $"The export has no {RunArchiveFormat.ManifestEntry}: it is not a run export (GET /runs/{{id}}/export writes one).");
        RunArchiveManifest? manifest;
        try
        {
            using var stream = entry.Open();
            manifest = JsonSerializer.Deserialize<RunArchiveManifest>(ReadSmall(stream, entry), ManifestJson);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw Invalid(RunArchiveFormat.ManifestEntry, $"{RunArchiveFormat.ManifestEntry} does not parse: {e.Message}");
        }

        if (manifest is null || manifest.Format != RunArchiveFormat.Name)
        {
            throw Invalid(RunArchiveFormat.ManifestEntry, $"{RunArchiveFormat.ManifestEntry} must have format '{RunArchiveFormat.Name}', got '{manifest?.Format}'.");
        }

        if (manifest.Version != RunArchiveFormat.Version)
        {
            throw Invalid(RunArchiveFormat.ManifestEntry, $"{RunArchiveFormat.ManifestEntry} is format version {manifest.Version}; this service reads version {RunArchiveFormat.Version}.");
        }

        if (!RunArchiveFormat.IsRunId(manifest.RunId))
        {
            throw Invalid(RunArchiveFormat.ManifestEntry, $"{RunArchiveFormat.ManifestEntry}: runId must be 1 to 80 letters, digits, '-' or '_', got '{manifest.RunId}'.");
        }

        if (manifest.Entries is null || manifest.Entries.Any(e => e is null))
        {
            throw Invalid(RunArchiveFormat.ManifestEntry, $"{RunArchiveFormat.ManifestEntry} lists no entries.");
        }

        return manifest;
    }

    /// <summary>The entries are exactly the manifest's, each name allowed; returns the checkpoint stems, in training order.</summary>
    private List<string> CheckEntries(ZipArchive zip, RunArchiveManifest manifest)
    {
        var runId = manifest.RunId;
        var listed = new Dictionary<string, RunArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in manifest.Entries)
        {
            CheckName(entry.Name, runId);
            if (!listed.TryAdd(entry.Name, entry))
            {
                throw Invalid(entry.Name, $"{RunArchiveFormat.ManifestEntry} lists '{entry.Name}' twice.");
            }

            if (entry.Bytes < 0 || entry.Sha256 is not { Length: 64 } || !entry.Sha256.All(Uri.IsHexDigit))
            {
                throw Invalid(entry.Name, $"{RunArchiveFormat.ManifestEntry} must give '{entry.Name}' a size of 0 or more bytes and a SHA-256 of 64 hex digits.");
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            var name = entry.FullName;
            if (!seen.Add(name))
            {
                throw Invalid(name, $"The export holds '{name}' twice.");
            }

            if (name == RunArchiveFormat.ManifestEntry)
            {
                continue;
            }

            CheckName(name, runId);
            if (!listed.ContainsKey(name))
            {
                throw Invalid(name, $"'{name}' is not listed in {RunArchiveFormat.ManifestEntry}: the export was altered after it was written.");
            }
        }

        foreach (var name in listed.Keys.Where(n => !seen.Contains(n)))
        {
            throw Invalid(name, $"'{name}' is listed in {RunArchiveFormat.ManifestEntry} but missing from the export.");
        }

        if (!listed.ContainsKey(RunArchiveFormat.RunEntry))
        {
            throw Invalid(RunArchiveFormat.RunEntry, $"The export has no {RunArchiveFormat.RunEntry}.");
        }

        var stems = listed.Keys
            .Select(n => RunArchiveFormat.TryParseCheckpointEntry(n, runId, out var stem, out _) ? stem : null)
            .OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        if (stems.Count == 0)
        {
            throw Invalid("checkpoints", $"The export holds no checkpoint of run {runId}; only a run with one can be served or resumed.");
        }

        foreach (var stem in stems)
        {
            foreach (var suffix in RunArchiveFormat.CheckpointSuffixes)
            {
                var name = RunArchiveFormat.CheckpointEntry(runId, stem, suffix);
                if (!listed.ContainsKey(name))
                {
                    throw Invalid(name, $"Checkpoint {stem} is incomplete: '{name}' is missing.");
                }
            }
        }

        var total = listed.Values.Sum(e => e.Bytes);
        if (total > maxBytes)
        {
            throw new BadInputException(StatusCodes.Status413PayloadTooLarge, "body", $"The export unpacks to {total} bytes; at most {maxBytes} are allowed (Vae:Lab:MaxImportBytes).");
        }

        return stems;
    }

    private static void CheckName(string name, string runId)
    {
        if (name != RunArchiveFormat.RunEntry && !RunArchiveFormat.TryParseCheckpointEntry(name, runId, out _, out _))
        {
            throw Invalid(name, $"'{name}' is not part of an export of run {runId}; an export holds only {RunArchiveFormat.AllowedEntries}.");
        }
    }

    /// <summary>Copies one entry out, hashing as it goes; never writes more than the manifest's size.</summary>
    private static void Extract(ZipArchiveEntry entry, RunArchiveEntry expected, string target)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long bytes = 0;
        try
        {
            using var source = entry.Open();
            using var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = source.Read(buffer)) > 0)
            {
                bytes += read;
                if (bytes > expected.Bytes)
                {
                    throw Invalid(expected.Name, $"'{expected.Name}' is larger than the {expected.Bytes} bytes {RunArchiveFormat.ManifestEntry} gives it.");
                }

                hash.AppendData(buffer, 0, read);
                file.Write(buffer, 0, read);
            }

            file.Flush(flushToDisk: true);
        }
        catch (InvalidDataException e)
        {
            throw Invalid(expected.Name, $"'{expected.Name}' cannot be unpacked (damaged): {e.Message}");
        }

        if (bytes != expected.Bytes)
        {
            throw Invalid(expected.Name, $"'{expected.Name}' is {bytes} bytes; {RunArchiveFormat.ManifestEntry} gives it {expected.Bytes} (truncated).");
        }

        if (!string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), expected.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid(expected.Name, $"'{expected.Name}' does not match its SHA-256 in {RunArchiveFormat.ManifestEntry}: it was damaged or altered.");
        }
    }

    private static byte[] ReadSmall(Stream stream, ZipArchiveEntry entry)
    {
        if (entry.Length > MaxJsonBytes)
        {
            throw Invalid(entry.FullName, $"'{entry.FullName}' is larger than {MaxJsonBytes} bytes.");
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static BadInputException Invalid(string entry, string message) => BadInputException.Invalid(entry, message);
}
