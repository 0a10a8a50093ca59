using System.Collections.Concurrent;

namespace VaeWeb.Serving;

/// <summary>
/// Results computed from one model version (latent map, KL profile, evaluations), kept until a newer
/// version is published: a repeat request for the same version does no tensor work.
/// </summary>
public sealed class LatentCache
{
    private readonly ConcurrentDictionary<(string Version, string Key), Lazy<object>> entries = new();

    public LatentCache(ModelHost models) => models.Published += Retain;

    /// <summary>The cached value for (<paramref name="version"/>, <paramref name="key"/>), computing it once; <paramref name="hit"/> says whether it was there.</summary>
    public T GetOrCreate<T>(string version, string key, Func<T> create, out bool hit)
        where T : class
    {
        var created = false;
        var lazy = entries.GetOrAdd((version, key), _ => new Lazy<object>(() =>
        {
            created = true;
            return create();
        }));
        try
        {
            var value = (T)lazy.Value;
            hit = !created;
            return value;
        }
        catch
        {
            // A failed computation is not cached: the next request tries again.
            entries.TryRemove(new KeyValuePair<(string, string), Lazy<object>>((version, key), lazy));
            throw;
        }
    }

    public bool TryGet<T>(string version, string key, out T? value)
        where T : class
    {
        value = entries.TryGetValue((version, key), out var lazy) && lazy.IsValueCreated ? lazy.Value as T : null;
        return value is not null;
    }

    public void Set<T>(string version, string key, T value)
        where T : class => entries[(version, key)] = new Lazy<object>(value);

    /// <summary>Drops what older versions computed; the new version starts empty.</summary>
    private void Retain(string version)
    {
        foreach (var key in entries.Keys)
        {
            if (key.Version != version)
            {
                entries.TryRemove(key, out _);
            }
        }
    }
}
