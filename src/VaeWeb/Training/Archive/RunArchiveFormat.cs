using System.Text.RegularExpressions;
using VaeWeb.Vae.Checkpoints;

namespace VaeWeb.Training;

/// <summary>One file of an export as its manifest vouches for it.</summary>
public sealed record RunArchiveEntry(string Name, string Sha256, long Bytes);

/// <summary>
/// <c>manifest.json</c> of an export: what it is, whose run, and the SHA-256 and size of every other
/// entry. It is written last, after every entry it lists.
/// </summary>
public sealed record RunArchiveManifest(string Format, int Version, string RunId, DateTimeOffset CreatedAt, IReadOnlyList<RunArchiveEntry> Entries);

/// <summary>
/// The layout of an export (<c>&lt;runId&gt;.vaerun.zip</c>): <c>manifest.json</c>, <c>run.json</c> (the run
/// record) and <c>checkpoints/&lt;runId&gt;/epoch-….{weights,optim,json,manifest.json}</c>, the run's
/// checkpoints exactly as they lie in a state directory.
/// </summary>
public static partial class RunArchiveFormat
{
    public const string Name = "vaeweb-run";
    public const int Version = 1;
    public const string ManifestEntry = "manifest.json";
    public const string RunEntry = "run.json";
    public const string ContentType = "application/zip";
    public const string FileSuffix = ".vaerun.zip";

    /// <summary>The checkpoint files an export carries for each checkpoint, in the order they are written.</summary>
    public static readonly string[] CheckpointSuffixes =
        [CheckpointStore.WeightsSuffix, CheckpointStore.OptimizerSuffix, CheckpointStore.MetadataSuffix, CheckpointStore.ManifestSuffix];

    /// <summary>What an entry name may be, as the refusals say it.</summary>
    public const string AllowedEntries = "manifest.json, run.json and checkpoints/<runId>/epoch-<k>[-step-<s>].{weights,optim,json,manifest.json}";

    public static string CheckpointEntry(string runId, string stem, string suffix) => $"checkpoints/{runId}/{stem}{suffix}";

    /// <summary>A run id safe to be a directory name, as <c>model=</c> takes it: the trainer's ids (<c>20261124-061200-ab12</c>) and the like.</summary>
    public static bool IsRunId(string? id) => id is not null && RunIdPattern().IsMatch(id);

    /// <summary>
    /// The checkpoint an entry name belongs to, or false. Only names of this exact form are accepted,
    /// so no name can reach outside the run's folder (<c>../x</c>, absolute paths, backslashes).
    /// </summary>
    public static bool TryParseCheckpointEntry(string name, string runId, out string stem, out string suffix)
    {
        var match = CheckpointEntryPattern().Match(name);
        stem = match.Groups["stem"].Value;
        suffix = match.Groups["suffix"].Value;
        return match.Success && string.Equals(match.Groups["run"].Value, runId, StringComparison.Ordinal);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")]
    private static partial Regex RunIdPattern();

    [GeneratedRegex(@"^checkpoints/(?<run>[A-Za-z0-9][A-Za-z0-9_-]{0,79})/(?<stem>epoch-[0-9]{4}(-step-[0-9]{5})?)(?<suffix>\.weights|\.optim|\.manifest\.json|\.json)$")]
    private static partial Regex CheckpointEntryPattern();
}
