using System.Collections.Concurrent;

namespace VaeWeb.Serving;

/// <summary>
/// Seeded samples per model version: the same (version, n, seed, sampler) always decodes to the same
/// images, so they are computed once and their PNG encoded once. The newest <see cref="MaxVersions"/>
/// versions asked for are kept (the serving one and the runs a comparison names with <c>model=</c>),
/// the least recently used version dropped first, and all of them together hold at most
/// <see cref="MaxImages"/> images so a crawler walking seeds cannot grow the cache without bound.
/// </summary>
public sealed class SampleCache
{
    /// <summary>About 25 MB of pixels plus their PNGs.</summary>
    public const int MaxImages = 8192;

    /// <summary>Versions kept at once: enough for a comparison of several runs beside the serving model.</summary>
    public const int MaxVersions = 12;

    private readonly ConcurrentDictionary<string, Generation> generations = new(StringComparer.Ordinal);

    // Additions and evictions take this lock (misses only: each follows a model computation);
    // hits read the dictionaries without it.
    private readonly Lock gate = new();
    private int images;
    private long clock;

    /// <summary>The cached entry for (version, n, seed, sampler), if any; <paramref name="sampler"/> is a <see cref="SamplerChoice.Key"/>.</summary>
    public Entry? TryGet(string version, int n, long seed, string sampler = "") =>
        generations.TryGetValue(version, out var generation) && generation.Entries.TryGetValue((n, seed, sampler), out var entry)
            ? Touch(generation, entry)
            : null;

    /// <summary>The cached entry, or a new one from <paramref name="sample"/> (cached when there is room).</summary>
    public Entry GetOrAdd(string version, int n, long seed, Func<float[][]> sample, string sampler = "")
    {
        if (TryGet(version, n, seed, sampler) is { } cached)
        {
            return cached;
        }

        var entry = new Entry(sample());
        lock (gate)
        {
            var generation = generations.GetOrAdd(version, v => new Generation(v));
            // A concurrent request for the same key may have won; either entry has the same images.
            if (generation.Entries.TryGetValue((n, seed, sampler), out var won))
            {
                return Touch(generation, won);
            }

            Touch(generation, entry);
            while (generations.Count > MaxVersions)
            {
                var oldest = generations.Values.MinBy(g => Volatile.Read(ref g.LastUsed))!;
                generations.TryRemove(oldest.Version, out _);
                images -= oldest.Images;
            }

            if (images + n <= MaxImages)
            {
                generation.Entries[(n, seed, sampler)] = entry;
                generation.Images += n;
                images += n;
            }

            return entry;
        }
    }

    private Entry Touch(Generation generation, Entry entry)
    {
        Volatile.Write(ref generation.LastUsed, Interlocked.Increment(ref clock));
        return entry;
    }

    /// <summary>One seeded response: its images, and its PNG once someone asked for it.</summary>
    public sealed class Entry(float[][] images)
    {
        private byte[]? png;

        public float[][] Images { get; } = images;

        public bool HasPng => Volatile.Read(ref png) is not null;

        public byte[] Png(Func<float[][], byte[]> encode)
        {
            var bytes = Volatile.Read(ref png);
            if (bytes is null)
            {
                bytes = encode(Images);
                Volatile.Write(ref png, bytes);
            }

            return bytes;
        }
    }

    private sealed class Generation(string version)
    {
        public long LastUsed;

        /// <summary>Images this version holds; changed under the cache's lock.</summary>
        public int Images;

        public string Version { get; } = version;

        public ConcurrentDictionary<(int N, long Seed, string Sampler), Entry> Entries { get; } = new();
    }
}
