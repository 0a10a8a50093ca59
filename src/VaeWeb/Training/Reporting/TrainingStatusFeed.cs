using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace VaeWeb.Training;

/// <summary>
/// The latest run status and a fan-out of its updates to event-stream subscribers. A slow
/// subscriber only ever misses intermediate updates, never the latest one, and never slows training.
/// </summary>
public sealed class TrainingStatusFeed
{
    private readonly Lock gate = new();
    private readonly List<Channel<RunStatus>> subscribers = [];
    private RunStatus current = RunStatus.Idle;

    public RunStatus Current => Volatile.Read(ref current);

    public void Publish(RunStatus status)
    {
        lock (gate)
        {
            Volatile.Write(ref current, status);
            foreach (var subscriber in subscribers)
            {
                subscriber.Writer.TryWrite(status);
            }
        }
    }

    /// <summary>The current status at once, then every update until <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<RunStatus> Subscribe([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<RunStatus>(new BoundedChannelOptions(1)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (gate)
        {
            channel.Writer.TryWrite(current);
            subscribers.Add(channel);
        }

        try
        {
            while (true)
            {
                RunStatus status;
                try
                {
                    status = await channel.Reader.ReadAsync(cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                yield return status;
            }
        }
        finally
        {
            lock (gate)
            {
                subscribers.Remove(channel);
            }
        }
    }
}
