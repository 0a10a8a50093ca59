using VaeWeb.Vae.Inference;

namespace VaeWeb.Serving;

/// <summary>
/// Holds the model that serves requests that name none: the pinned version when one is pinned
/// (<c>PUT /serving</c>), else the newest the trainer (or a replica's follower) offered. A new
/// snapshot is swapped in atomically; requests in flight keep the one they leased, which is
/// disposed when the last of them lets go.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly Lock pinGate = new();
    private Snapshot? current;
    private string? pinned;

    /// <summary>Raised after a new model version starts serving.</summary>
    public event Action<string>? Published;

    public string? CurrentVersion => Volatile.Read(ref current)?.Model.Version;

    public bool HasModel => Volatile.Read(ref current) is not null;

    /// <summary>The version pinned with <c>PUT /serving</c>, or null when the newest serves.</summary>
    public string? PinnedVersion
    {
        get
        {
            lock (pinGate)
            {
                return pinned;
            }
        }
    }

    /// <summary>Makes <paramref name="model"/> the serving model; the host owns it from now on.</summary>
    public void Publish(InferenceModel model)
    {
        var previous = Interlocked.Exchange(ref current, new Snapshot(model));
        previous?.Release();
        Published?.Invoke(model.Version);
    }

    /// <summary>
    /// Offers a newer model: it serves unless a version is pinned, in which case it is not even
    /// created (<paramref name="create"/> is not called). True when it now serves.
    /// </summary>
    public bool PublishNewest(Func<InferenceModel> create)
    {
        lock (pinGate)
        {
            if (pinned is not null)
            {
                return false;
            }

            Publish(create());
            return true;
        }
    }

    /// <summary>Serves <paramref name="model"/> and keeps it serving until <see cref="Unpin"/>; the host owns it.</summary>
    public void Pin(InferenceModel model)
    {
        lock (pinGate)
        {
            pinned = model.Version;
            Publish(model);
        }
    }

    /// <summary>Lets the newest serve again: <paramref name="newest"/> (when there is one) replaces the pinned model.</summary>
    public void Unpin(Func<InferenceModel?> newest)
    {
        lock (pinGate)
        {
            pinned = null;
            if (newest() is { } model)
            {
                Publish(model);
            }
        }
    }

    /// <summary>Leases the serving model, or returns null when none has been published yet.</summary>
    public ModelLease? TryAcquire()
    {
        while (true)
        {
            var snapshot = Volatile.Read(ref current);
            if (snapshot is null)
            {
                return null;
            }

            if (snapshot.TryAddRef())
            {
                return new ModelLease(snapshot);
            }

            // It was retired between the read and the add-ref; the next read sees its successor.
        }
    }

    public void Dispose() => Interlocked.Exchange(ref current, null)?.Release();

    internal sealed class Snapshot(InferenceModel model)
    {
        // The host's own reference counts as one.
        private int references = 1;

        public InferenceModel Model { get; } = model;

        public bool TryAddRef()
        {
            while (true)
            {
                var seen = Volatile.Read(ref references);
                if (seen == 0)
                {
                    return false;
                }

                if (Interlocked.CompareExchange(ref references, seen + 1, seen) == seen)
                {
                    return true;
                }
            }
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref references) == 0)
            {
                Model.Dispose();
            }
        }
    }
}

/// <summary>A request's hold on one model version; dispose it when the response is computed.</summary>
public sealed class ModelLease : IDisposable
{
    private ModelHost.Snapshot? snapshot;

    internal ModelLease(ModelHost.Snapshot snapshot) => this.snapshot = snapshot;

    public InferenceModel Model => snapshot?.Model ?? throw new ObjectDisposedException(nameof(ModelLease));

    public void Dispose() => Interlocked.Exchange(ref snapshot, null)?.Release();
}
