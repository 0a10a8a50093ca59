namespace VaeWeb.Serving;

/// <summary>Lets one evaluation run at a time: they are CPU-bound, and a second would only halve the first one's speed.</summary>
public sealed class EvaluationGate : IDisposable
{
    private readonly SemaphoreSlim semaphore = new(1, 1);

    public Task WaitAsync(CancellationToken cancellationToken) => semaphore.WaitAsync(cancellationToken);

    public void Release() => semaphore.Release();

    public void Dispose() => semaphore.Dispose();
}
