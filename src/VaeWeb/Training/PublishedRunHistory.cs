using System.Text.Json;

namespace VaeWeb.Training;

/// <summary>
/// The run history as one JSON file, <c>runs.json</c> in the state directory: the trainer replaces it
/// (temporary file, flushed to disk, renamed) after every change to its database; serve-only replicas
/// read it, re-reading only when its size or time changes. A reader sees the old file or the new
/// one, never half of one, and takes no lock the trainer could wait on.
/// </summary>
public sealed class PublishedRunHistory(string stateDirectory, JsonSerializerOptions json)
{
    /// <summary>Runs the file holds, newest first (a replica's <c>GET /runs/{id}</c> knows no older run).</summary>
    public const int MostRuns = 1000;

    public const string FileName = "runs.json";

    private readonly Lock gate = new();
    private Snapshot current = Snapshot.Empty;

    public string Path { get; } = System.IO.Path.Combine(stateDirectory, FileName);

    public void Write(IReadOnlyList<RunRecord> runs)
    {
        var temporary = Path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, new HistoryFile(1, DateTimeOffset.UtcNow, runs), json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>Reads the file again when it changed; true when it did.</summary>
    public bool Refresh()
    {
        var info = new FileInfo(Path);
        var stamp = info.Exists ? (info.Length, info.LastWriteTimeUtc) : (0L, DateTime.MinValue);
        lock (gate)
        {
            if (stamp == current.Stamp)
            {
                return false;
            }

            IReadOnlyList<RunRecord> runs;
            try
            {
                runs = info.Exists
                    ? JsonSerializer.Deserialize<HistoryFile>(File.ReadAllBytes(Path), json)?.Runs ?? []
                    : [];
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // Replaced or removed between the stat and the read: the next refresh reads the new one.
                return false;
            }

            current = new Snapshot(stamp, runs);
            return true;
        }
    }

    public IReadOnlyList<RunRecord> List(int limit)
    {
        Refresh();
        return Volatile.Read(ref current).Runs.Take(limit).ToList();
    }

    public RunRecord? Get(string runId)
    {
        Refresh();
        return Volatile.Read(ref current).Runs.FirstOrDefault(r => r.RunId == runId);
    }

    private sealed record HistoryFile(int Version, DateTimeOffset WrittenAt, IReadOnlyList<RunRecord> Runs);

    private sealed record Snapshot((long Length, DateTime Written) Stamp, IReadOnlyList<RunRecord> Runs)
    {
        public static Snapshot Empty { get; } = new((-1, DateTime.MinValue), []);
    }
}
