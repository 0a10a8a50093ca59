using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VaeWeb.Configuration;
using VaeWeb.Serving;
using VaeWeb.Training;

namespace VaeWeb.Tests.Serving;

/// <summary>While a run trains, requests beyond the configured bound wait their turn; with the model idle they do not.</summary>
public class InferenceGateTests
{
    private static InferenceGate Gate(TrainingStatusFeed feed, TimeProvider? time = null, double share = 0.25, double burstMs = 100) => new(
        Options.Create(new VaeOptions
        {
            Serving = new ServingOptions
            {
                ConcurrentRequests = 4,
                ConcurrentRequestsWhileTraining = 1,
                ComputeShareWhileTraining = share,
                BurstWhileTraining = TimeSpan.FromMilliseconds(burstMs),
            },
        }),
        feed,
        time ?? TimeProvider.System);

    private static TrainingStatusFeed Training()
    {
        var feed = new TrainingStatusFeed();
        feed.Publish(RunStatus.Idle with { State = RunState.Running });
        return feed;
    }

    [Fact]
    public async Task While_training_requests_together_compute_for_at_most_their_share_of_the_time()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(Training(), time, share: 0.5, burstMs: 0);

        var first = await gate.EnterAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(100)); // the first request computes for 100 ms
        first.Dispose();

        // At half a core, 100 ms of compute is paid back 200 ms later.
        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(150));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(60));
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task While_training_a_lone_request_within_the_burst_starts_at_once()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(Training(), time, share: 0.25, burstMs: 100);

        var first = await gate.EnterAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(40));
        first.Dispose();

        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.True(second.IsCompleted, "40 ms of compute is inside the 100 ms burst");
        (await second).Dispose();
    }

    [Fact]
    public async Task With_the_model_idle_the_training_share_does_not_apply()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(new TrainingStatusFeed(), time, share: 0.01, burstMs: 0);

        var first = await gate.EnterAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(5));
        first.Dispose();

        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.True(second.IsCompleted);
        (await second).Dispose();
    }

    [Fact]
    public async Task While_training_a_second_request_waits_until_the_first_is_done()
    {
        using var gate = Gate(Training(), share: 1);

        var first = await gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None).AsTask();
        await Task.Delay(100);
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }

    [Fact]
    public async Task With_the_model_idle_requests_up_to_the_idle_bound_proceed_together()
    {
        var feed = new TrainingStatusFeed();
        using var gate = Gate(feed);

        var slots = new List<InferenceGate.Slot>();
        for (var i = 0; i < 4; i++)
        {
            var entered = gate.EnterAsync(CancellationToken.None).AsTask();
            Assert.True(entered.IsCompleted);
            slots.Add(await entered);
        }

        var fifth = gate.EnterAsync(CancellationToken.None).AsTask();
        Assert.False(fifth.IsCompleted);
        slots[0].Dispose();
        (await fifth.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
        foreach (var slot in slots.Skip(1))
        {
            slot.Dispose();
        }
    }
}
