using System.Collections.Concurrent;

namespace VaeWeb.Serving;

/// <summary>
/// Seeded samples of the serving model version: the same (version, n, seed, sampler) always decodes to the
/// same images, so they are computed once and their PNG encoded once. Only the newest version is
/// kept (a new version starts an empty generation), and the cache holds at most
/// <see cref="MaxImages"/> images so a crawler walking seeds cannot grow it without bound.
/// </summary>
public sealed class SampleCache
{
    /// <summary>About 25 MB of pixels plus their PNGs.</summary>
    public const int MaxImages = 8192;

    private Generation current = new(string.Empty);

    /// <summary>The cached entry for (version, n, seed, sampler), if any; <paramref name="sampler"/> is a <see cref="SamplerChoice.Key"/>.</summary>
    public Entry? TryGet(string version, int n, long seed, string sampler = "")
    {
        var generation = Volatile.Read(ref current);
        return generation.Version == version && generation.Entries.TryGetValue((n, seed, sampler), out var entry) ? entry : null;
    }

    /// <summary>The cached entry, or a new one from <paramref name="sample"/> (cached when there is room).</summary>
    public Entry GetOrAdd(string version, int n, long seed, Func<float[][]> sample, string sampler = "")
    {
        var generation = Volatile.Read(ref current);
        if (generation.Version != version)
        {
            var fresh = new Generation(version);
            var seen = Interlocked.CompareExchange(ref current, fresh, generation);
            generation = seen == generation ? fresh : seen;
            if (generation.Version != version)
            {
                // Two versions raced during a swap; answer without caching.
                return new Entry(sample());
            }
        }

        if (generation.Entries.TryGetValue((n, seed, sampler), out var cached))
        {
            return cached;
        }

        var entry = new Entry(sample());
        if (generation.Reserve(n))
        {
            // A concurrent request for the same key may have won; either entry has the same images.
            return generation.Entries.GetOrAdd((n, seed, sampler), entry);
        }

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
        private int images;

        public string Version { get; } = version;

        public ConcurrentDictionary<(int N, long Seed, string Sampler), Entry> Entries { get; } = new();

        public bool Reserve(int n)
        {
            if (Interlocked.Add(ref images, n) <= MaxImages)
            {
                return true;
            }

            Interlocked.Add(ref images, -n);
            return false;
        }
    }
}
