using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Training;

namespace VaeWeb.Serving;

/// <summary>
/// Bounds how many requests compute at once. With the model idle, one per core keeps every core
/// busy; while a run trains, fewer (one by default) leave the trainer its cores: requests then
/// queue here, briefly, instead of taking CPU time from every training step. Each inference call
/// already uses one LibTorch thread (see TorchThreads), so the bound is a bound on cores.
/// </summary>
public sealed class InferenceGate : IDisposable
{
    private readonly SemaphoreSlim all;
    private readonly SemaphoreSlim whileTraining;
    private readonly TrainingStatusFeed feed;

    public InferenceGate(IOptions<VaeOptions> options, TrainingStatusFeed feed)
    {
        var serving = options.Value.Serving;
        var idle = serving.ConcurrentRequests > 0 ? serving.ConcurrentRequests : Environment.ProcessorCount;
        all = new SemaphoreSlim(idle, idle);
        whileTraining = new SemaphoreSlim(serving.ConcurrentRequestsWhileTraining, serving.ConcurrentRequestsWhileTraining);
        this.feed = feed;
    }

    /// <summary>Waits for a slot; dispose the result when the computation is done.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        var training = feed.Current.IsActive;
        if (training)
        {
            await whileTraining.WaitAsync(cancellationToken);
        }

        try
        {
            await all.WaitAsync(cancellationToken);
        }
        catch
        {
            if (training)
            {
                whileTraining.Release();
            }

            throw;
        }

        return new Slot(this, training);
    }

    public void Dispose()
    {
        all.Dispose();
        whileTraining.Dispose();
    }

    public readonly struct Slot(InferenceGate gate, bool training) : IDisposable
    {
        public void Dispose()
        {
            gate.all.Release();
            if (training)
            {
                gate.whileTraining.Release();
            }
        }
    }
}
