namespace VaeWeb.Serving;

/// <summary>
/// How much compute time requests may spend while a run trains: a bucket of seconds that refills
/// at <c>share</c> seconds per second up to <c>burst</c>. A request waits while the bucket is in
/// debt and pays its measured compute time when it is done, so a lone interactive request (a
/// drag in the explorer, a single decode) starts at once, and a flood of requests averages at
/// most <c>share</c> of one core. Written by hand because the token buckets of
/// System.Threading.RateLimiting take their cost before the work starts, and a request's compute
/// time is only known after it.
/// </summary>
public sealed class ComputeBudget
{
    private readonly double share;
    private readonly double burstSeconds;
    private readonly TimeProvider time;
    private readonly Lock sync = new();
    private double balance;
    private long refilledAt;

    public ComputeBudget(double share, TimeSpan burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(share);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, TimeSpan.Zero);
        this.share = share;
        burstSeconds = burst.TotalSeconds;
        this.time = time;
        balance = burstSeconds;
        refilledAt = time.GetTimestamp();
    }

    /// <summary>Zero when a request may start now, otherwise how long until the debt is repaid.</summary>
    public TimeSpan WaitBeforeStart()
    {
        lock (sync)
        {
            Refill();
            return balance >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-balance / share);
        }
    }

    /// <summary>Pays for compute time that has been used.</summary>
    public void Charge(TimeSpan used)
    {
        lock (sync)
        {
            Refill();
            balance -= used.TotalSeconds;
        }
    }

    private void Refill()
    {
        var now = time.GetTimestamp();
        balance = Math.Min(burstSeconds, balance + (time.GetElapsedTime(refilledAt, now).TotalSeconds * share));
        refilledAt = now;
    }
}
