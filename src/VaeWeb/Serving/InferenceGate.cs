using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Training;

namespace VaeWeb.Serving;

/// <summary>
/// Where every request that runs the model waits for its turn.
/// <para>
/// With the model idle, one request computes per core (each inference call uses one LibTorch
/// thread, see TorchThreads).
/// </para>
/// <para>
/// While a run trains, requests run in the trainer's pauses: after each forward pass, each step
/// and each evaluation batch the trainer calls <see cref="RunWaitingRequests"/>, which lets the waiting requests
/// compute, one per core, and returns when they are done. A training step is two OpenMP threads
/// that meet at a barrier after every operation, so a request computing beside them stalls both
/// whenever it takes either core: measured, requests at a quarter of a core's time beside training
/// cost it 26–41% of its images/s. Taking turns costs training only the time the requests compute.
/// A pause lasts at most <see cref="ServingOptions.ComputeShareWhileTraining"/> of the time,
/// counted against the training time before it, but always admits the first requests in line.
/// A request that sees no pause within <see cref="ServingOptions.MaxWaitWhileTraining"/> (the
/// trainer is loading data or writing a checkpoint) runs beside training instead, one at a time,
/// and so does a request for at most <see cref="ServingOptions.SmallRequestImages"/> images.
/// </para>
/// </summary>
public sealed class InferenceGate : IDisposable
{
    private readonly SemaphoreSlim idle;
    private readonly SemaphoreSlim besideTraining;
    private readonly SemaphoreSlim finished = new(0);
    private readonly Lock sync = new();
    private readonly LinkedList<Waiter> waiting = new();
    private readonly TrainingStatusFeed feed;
    private readonly TimeProvider time;
    private readonly int perPause;
    private readonly double pauseRatio;
    private readonly TimeSpan maxWait;
    private readonly int smallRequest;
    private long trainingSince;
    private bool pauseOpen;
    private long pauseStart;
    private TimeSpan pauseBudget;
    private int running;
    private int waitingCount;

    /// <summary>Training time that counts towards one pause: a quiet spell does not buy a long pause.</summary>
    private static readonly TimeSpan MaxCredit = TimeSpan.FromSeconds(1);

    public InferenceGate(IOptions<VaeOptions> options, TrainingStatusFeed feed, TimeProvider time)
    {
        var serving = options.Value.Serving;
        var cores = serving.ConcurrentRequests > 0 ? serving.ConcurrentRequests : Environment.ProcessorCount;
        idle = new SemaphoreSlim(cores, cores);
        besideTraining = new SemaphoreSlim(serving.ConcurrentRequestsWhileTraining, serving.ConcurrentRequestsWhileTraining);
        perPause = cores;
        var share = Math.Min(serving.ComputeShareWhileTraining, 0.95);
        pauseRatio = share / (1 - share);
        maxWait = serving.MaxWaitWhileTraining;
        smallRequest = serving.SmallRequestImages;
        this.feed = feed;
        this.time = time;
        trainingSince = time.GetTimestamp();
    }

    /// <summary>Requests waiting for the trainer's next pause.</summary>
    public int Waiting => Volatile.Read(ref waitingCount);

    /// <summary>
    /// Waits for a turn to compute <paramref name="images"/> images (or latent vectors); dispose
    /// the result when the computation is done.
    /// </summary>
    public async ValueTask<Slot> EnterAsync(int images, CancellationToken cancellationToken)
    {
        if (!feed.Current.IsActive)
        {
            await idle.WaitAsync(cancellationToken);
            return new Slot(this, SlotKind.Idle);
        }

        if (images <= smallRequest)
        {
            // A few images take well under a millisecond: the explorer's decode on every pointer
            // move stays instant, at a cost to training too small to measure.
            await besideTraining.WaitAsync(cancellationToken);
            return new Slot(this, SlotKind.BesideTraining);
        }

        var waiter = new Waiter();
        lock (sync)
        {
            if (pauseOpen && running < perPause && time.GetElapsedTime(pauseStart) < pauseBudget)
            {
                running++;
                return new Slot(this, SlotKind.InPause);
            }

            waiter.Node = waiting.AddLast(waiter);
            waitingCount++;
        }

        try
        {
            await waiter.Admitted.Task.WaitAsync(maxWait, time, cancellationToken);
            return new Slot(this, SlotKind.InPause);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            if (!TryWithdraw(waiter))
            {
                // Admitted just as the wait ended: the turn is this request's.
                var slot = new Slot(this, SlotKind.InPause);
                if (e is OperationCanceledException)
                {
                    slot.Dispose();
                    throw;
                }

                return slot;
            }

            if (e is OperationCanceledException)
            {
                throw;
            }
        }

        if (!feed.Current.IsActive)
        {
            await idle.WaitAsync(cancellationToken); // The run ended while this request waited.
            return new Slot(this, SlotKind.Idle);
        }

        // No pause came in time: compute beside training, one request at a time.
        await besideTraining.WaitAsync(cancellationToken);
        return new Slot(this, SlotKind.BesideTraining);
    }

    /// <summary>
    /// Called by the trainer between steps: lets the waiting requests compute, one per core, for at
    /// most the configured share of the time, and returns when those it admitted are done.
    /// </summary>
    public void RunWaitingRequests()
    {
        if (Volatile.Read(ref waitingCount) == 0 && Volatile.Read(ref running) == 0)
        {
            return;
        }

        lock (sync)
        {
            pauseStart = time.GetTimestamp();
            var trained = time.GetElapsedTime(trainingSince, pauseStart);
            pauseBudget = (trained < MaxCredit ? trained : MaxCredit) * pauseRatio;
            pauseOpen = true;
            AdmitWaiting(evenPastBudget: true);
        }

        while (true)
        {
            lock (sync)
            {
                if (running == 0)
                {
                    break;
                }
            }

            if (!finished.Wait(TimeSpan.FromSeconds(5)))
            {
                break; // A request that never finishes must not stop training; its slot stays counted.
            }

            lock (sync)
            {
                running--;
                AdmitWaiting(evenPastBudget: false);
            }
        }

        lock (sync)
        {
            pauseOpen = false;
            trainingSince = time.GetTimestamp();
        }
    }

    public void Dispose()
    {
        idle.Dispose();
        besideTraining.Dispose();
        finished.Dispose();
    }

    /// <summary>Admits waiting requests into the open pause while a core is free and the pause's time lasts.</summary>
    private void AdmitWaiting(bool evenPastBudget)
    {
        while (running < perPause && (evenPastBudget || time.GetElapsedTime(pauseStart) < pauseBudget) && waiting.First is { } node)
        {
            waiting.RemoveFirst();
            node.Value.Node = null;
            waitingCount--;
            running++;
            node.Value.Admitted.TrySetResult();
        }
    }

    private bool TryWithdraw(Waiter waiter)
    {
        lock (sync)
        {
            if (waiter.Node is null)
            {
                return false;
            }

            waiting.Remove(waiter.Node);
            waiter.Node = null;
            waitingCount--;
            return true;
        }
    }

    private sealed class Waiter
    {
        public TaskCompletionSource Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }
    }

    internal enum SlotKind
    {
        Idle,
        InPause,
        BesideTraining,
    }

    public readonly struct Slot : IDisposable
    {
        private readonly InferenceGate gate;
        private readonly SlotKind kind;

        internal Slot(InferenceGate gate, SlotKind kind)
        {
            this.gate = gate;
            this.kind = kind;
        }

        public void Dispose()
        {
            switch (kind)
            {
                case SlotKind.Idle:
                    gate.idle.Release();
                    break;
                case SlotKind.InPause:
                    gate.finished.Release();
                    break;
                case SlotKind.BesideTraining:
                    gate.besideTraining.Release();
                    break;
            }
        }
    }
}
