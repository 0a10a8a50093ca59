using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Training;

namespace VaeWeb.Serving;

/// <summary>
/// Where every request that runs the model waits for its turn. With the model idle, one request
/// computes per core. While a run trains, fewer compute at once (one by default) and together
/// they may use only <see cref="ServingOptions.ComputeShareWhileTraining"/> of one core's time
/// (see <see cref="ComputeBudget"/>): requests then queue here instead of taking CPU time from
/// every training step, whose two OpenMP threads stall whenever either loses its core. Each
/// inference call uses one LibTorch thread (see TorchThreads), so the bounds are bounds on cores.
/// </summary>
public sealed class InferenceGate : IDisposable
{
    private readonly SemaphoreSlim all;
    private readonly SemaphoreSlim whileTraining;
    private readonly ComputeBudget? budget;
    private readonly TrainingStatusFeed feed;
    private readonly TimeProvider time;

    public InferenceGate(IOptions<VaeOptions> options, TrainingStatusFeed feed, TimeProvider time)
    {
        var serving = options.Value.Serving;
        var idle = serving.ConcurrentRequests > 0 ? serving.ConcurrentRequests : Environment.ProcessorCount;
        all = new SemaphoreSlim(idle, idle);
        whileTraining = new SemaphoreSlim(serving.ConcurrentRequestsWhileTraining, serving.ConcurrentRequestsWhileTraining);
        budget = serving.ComputeShareWhileTraining < serving.ConcurrentRequestsWhileTraining
            ? new ComputeBudget(serving.ComputeShareWhileTraining, serving.BurstWhileTraining, time)
            : null;
        this.feed = feed;
        this.time = time;
    }

    /// <summary>Waits for a turn; dispose the result when the computation is done.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken cancellationToken)
    {
        var training = feed.Current.IsActive;
        if (training)
        {
            await whileTraining.WaitAsync(cancellationToken);
        }

        try
        {
            if (training && budget is not null)
            {
                // Requests wait in line on the semaphore, then for the budget, so the first in
                // line is the next to run.
                for (var wait = budget.WaitBeforeStart(); wait > TimeSpan.Zero; wait = budget.WaitBeforeStart())
                {
                    await Task.Delay(wait, time, cancellationToken);
                }
            }

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

        return new Slot(this, training, time.GetTimestamp());
    }

    public void Dispose()
    {
        all.Dispose();
        whileTraining.Dispose();
    }

    public readonly struct Slot(InferenceGate gate, bool training, long startedAt) : IDisposable
    {
        public void Dispose()
        {
            gate.all.Release();
            if (training)
            {
                gate.budget?.Charge(gate.time.GetElapsedTime(startedAt));
                gate.whileTraining.Release();
            }
        }
    }
}
