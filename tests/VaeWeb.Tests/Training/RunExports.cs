using System.IO.Compression;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Training;

/// <summary>Reading and rewriting exports the way a damaged transfer or a tamperer would.</summary>
public static class RunExports
{
    /// <summary>Every entry of an export, in order.</summary>
    public static List<(string Name, byte[] Bytes)> Entries(byte[] export)
    {
        using var zip = new ZipArchive(new MemoryStream(export), ZipArchiveMode.Read);
        return zip.Entries.Select(e =>
        {
            using var stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return (e.FullName, copy.ToArray());
        }).ToList();
    }

    /// <summary>A new zip of <paramref name="entries"/> (the manifest as given: it is not recomputed).</summary>
    public static byte[] Zip(IEnumerable<(string Name, byte[] Bytes)> entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Fastest).Open();
                stream.Write(bytes);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The export re-zipped with one entry's bytes replaced.</summary>
    public static byte[] Replace(byte[] export, string name, Func<byte[], byte[]> edit) =>
        Zip(Entries(export).Select(e => e.Name == name ? (e.Name, edit(e.Bytes)) : e));

    public static byte[] FlipOneByte(byte[] bytes)
    {
        var copy = bytes.ToArray();
        copy[copy.Length / 2] ^= 0x01;
        return copy;
    }

    public static string WeightsEntry(byte[] export) => Entries(export).Select(e => e.Name).First(n => n.EndsWith(".weights", StringComparison.Ordinal));

    public static JsonObject Manifest(byte[] export) =>
        JsonNode.Parse(Entries(export).Single(e => e.Name == "manifest.json").Bytes)!.AsObject();

    /// <summary>
    /// Edits JSON entries, then recomputes every hash (the checkpoints' own manifests and the export's):
    /// an export whose every checksum holds but whose content was changed.
    /// </summary>
    public static byte[] EditAndReseal(byte[] export, Func<string, JsonNode, bool> edit)
    {
        var entries = Entries(export).ToDictionary(e => e.Name, e => e.Bytes);
        foreach (var name in entries.Keys.Where(n => n.EndsWith(".json", StringComparison.Ordinal) && n != "manifest.json").ToList())
        {
            var node = JsonNode.Parse(entries[name])!;
            if (edit(name, node))
            {
                entries[name] = System.Text.Encoding.UTF8.GetBytes(node.ToJsonString());
            }
        }

        foreach (var name in entries.Keys.Where(n => n.EndsWith(".manifest.json", StringComparison.Ordinal)).ToList())
        {
            var manifest = JsonNode.Parse(entries[name])!;
            var folder = name[..(name.LastIndexOf('/') + 1)];
            foreach (var file in manifest["sha256"]!.AsObject().Select(p => p.Key).ToList())
            {
                manifest["sha256"]![file] = Sha256(entries[folder + file]);
            }

            entries[name] = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString());
        }

        var archive = JsonNode.Parse(entries["manifest.json"])!;
        foreach (var entry in archive["entries"]!.AsArray())
        {
            var bytes = entries[entry!["name"]!.GetValue<string>()];
            entry["sha256"] = Sha256(bytes);
            entry["bytes"] = bytes.LongLength;
        }

        entries["manifest.json"] = System.Text.Encoding.UTF8.GetBytes(archive.ToJsonString());
        return Zip(entries.Select(e => (e.Key, e.Value)));
    }

    public static ByteArrayContent Body(byte[] export, string contentType = "application/zip")
    {
        var content = new ByteArrayContent(export);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    /// <summary>What a refused import must leave unchanged: every path in the state directory.</summary>
    public static List<string> StateTree(VaeWebFactory factory) =>
        Directory.EnumerateFileSystemEntries(factory.StateDirectory, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(factory.StateDirectory, p))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
