using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Vae.Inference;

namespace VaeWeb.Serving;

/// <summary>
/// Models other than the serving one, loaded for requests that name them (<c>model=</c>): at most
/// <c>Vae:Serving:CachedModels</c> of them, the least recently used let go first, so comparing many
/// runs does not grow memory without bound. A model let go is disposed when the last request
/// holding it finishes (the same reference count <see cref="ModelHost"/> uses).
/// </summary>
/// <remarks>
/// Written here rather than on <c>MemoryCache</c>: with a size limit, MemoryCache refuses a new
/// entry when full and compacts later on the thread pool, so the count is not a bound at the moment
/// a model is loaded, and its eviction callback would have to race the requests still using the
/// model. Here the bound holds after every load and a model's native memory is freed exactly when
/// its last lease is disposed.
/// </remarks>
public sealed class ModelCache(IOptions<VaeOptions> options) : IDisposable
{
    private readonly Lock gate = new();

    // Most recently used first.
    private readonly LinkedList<(string Version, ModelHost.Snapshot Snapshot)> order = new();
    private readonly Dictionary<string, LinkedListNode<(string Version, ModelHost.Snapshot Snapshot)>> byVersion = new(StringComparer.Ordinal);

    public int Capacity => options.Value.Serving.CachedModels;

    /// <summary>The versions held, most recently used first.</summary>
    public IReadOnlyList<string> Versions
    {
        get
        {
            lock (gate)
            {
                return [.. order.Select(e => e.Version)];
            }
        }
    }

    /// <summary>
    /// A lease on <paramref name="version"/>, loading it with <paramref name="load"/> when it is not
    /// held. The load runs outside the lock: two requests racing for the same new version may both
    /// load it, and the second copy is dropped.
    /// </summary>
    public ModelLease Acquire(string version, Func<InferenceModel> load)
    {
        while (true)
        {
            if (TryHit(version) is { } hit)
            {
                return hit;
            }

            var loaded = new ModelHost.Snapshot(load());
            lock (gate)
            {
                if (!byVersion.ContainsKey(version))
                {
                    byVersion[version] = order.AddFirst((version, loaded));
                    while (order.Count > Capacity)
                    {
                        var last = order.Last!;
                        order.RemoveLast();
                        byVersion.Remove(last.Value.Version);
                        last.Value.Snapshot.Release();
                    }

                    if (loaded.TryAddRef())
                    {
                        return new ModelLease(loaded);
                    }

                    continue;
                }
            }

            // Another request loaded it meanwhile: keep theirs.
            loaded.Release();
        }
    }

    /// <summary>Lets go of every held version <paramref name="match"/> selects (a deleted run's models).</summary>
    public int Forget(Func<string, bool> match)
    {
        lock (gate)
        {
            var gone = order.Where(e => match(e.Version)).ToList();
            foreach (var entry in gone)
            {
                order.Remove(byVersion[entry.Version]);
                byVersion.Remove(entry.Version);
                entry.Snapshot.Release();
            }

            return gone.Count;
        }
    }

    public void Dispose() => Forget(_ => true);

    private ModelLease? TryHit(string version)
    {
        lock (gate)
        {
            if (!byVersion.TryGetValue(version, out var node) || !node.Value.Snapshot.TryAddRef())
            {
                return null;
            }

            order.Remove(node);
            order.AddFirst(node);
            return new ModelLease(node.Value.Snapshot);
        }
    }
}
