namespace VaeWeb.Serving;

/// <summary>Lets one evaluation run at a time: they are CPU-bound, and a second would only halve the first one's speed.</summary>
public sealed class EvaluationGate : IDisposable
{
    private readonly SemaphoreSlim semaphore = new(1, 1);

    /// <summary>
    /// Enters without waiting, or says no: a request queued here would sit on a compute slot
    /// (there are only a few) for the whole of the running evaluation and starve the fast endpoints.
    /// </summary>
    public bool TryEnter() => semaphore.Wait(0);

    public void Release() => semaphore.Release();

    public void Dispose() => semaphore.Dispose();
}
