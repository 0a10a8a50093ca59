using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using VaeWeb.Configuration;
using VaeWeb.Serving;
using VaeWeb.Training;

namespace VaeWeb.Tests.Serving;

/// <summary>
/// With the model idle, requests compute one per core; while a run trains, they compute in the
/// trainer's pauses, for at most the configured share of the time.
/// </summary>
public class InferenceGateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static InferenceGate Gate(TrainingStatusFeed feed, TimeProvider? time = null, int cores = 4, double share = 0.2, int maxWaitMs = 250) => new(
        Options.Create(new VaeOptions
        {
            Serving = new ServingOptions
            {
                ConcurrentRequests = cores,
                ConcurrentRequestsWhileTraining = 1,
                ComputeShareWhileTraining = share,
                MaxWaitWhileTraining = TimeSpan.FromMilliseconds(maxWaitMs),
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
    public async Task While_training_a_request_computes_in_the_trainers_pause_and_the_trainer_waits_for_it()
    {
        using var gate = Gate(Training(), maxWaitMs: 60_000);

        var entered = gate.EnterAsync(16, CancellationToken.None).AsTask();
        Assert.False(entered.IsCompleted, "a request must not compute beside a training step");
        Assert.Equal(1, gate.Waiting);

        var pause = Task.Run(gate.RunWaitingRequests);
        var slot = await entered.WaitAsync(Patience);
        await Task.Delay(50);
        Assert.False(pause.IsCompleted, "the trainer resumes only when the request is done");

        slot.Dispose();
        await pause.WaitAsync(Patience);
        Assert.Equal(0, gate.Waiting);
    }

    [Fact]
    public async Task A_pause_admits_one_request_per_core_and_lasts_at_most_the_share_of_the_training_time()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(Training(), time, cores: 2, share: 0.5, maxWaitMs: 60_000);
        time.Advance(TimeSpan.FromMilliseconds(100)); // 100 ms of training: a pause of up to 100 ms at a half share

        var requests = Enumerable.Range(0, 3).Select(_ => gate.EnterAsync(16, CancellationToken.None).AsTask()).ToList();
        var pause = Task.Run(gate.RunWaitingRequests);
        var first = await requests[0].WaitAsync(Patience);
        var second = await requests[1].WaitAsync(Patience);
        Assert.False(requests[2].IsCompleted, "two cores: two requests at a time");

        time.Advance(TimeSpan.FromMilliseconds(150)); // the two computed past the pause's budget
        first.Dispose();
        second.Dispose();
        await pause.WaitAsync(Patience);
        Assert.False(requests[2].IsCompleted, "the third waits for the next pause");

        var next = Task.Run(gate.RunWaitingRequests);
        (await requests[2].WaitAsync(Patience)).Dispose();
        await next.WaitAsync(Patience);
    }

    [Fact]
    public async Task With_no_pause_in_time_requests_compute_beside_training_one_at_a_time()
    {
        var time = new FakeTimeProvider();
        using var gate = Gate(Training(), time, maxWaitMs: 250);

        var first = gate.EnterAsync(16, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(250));
        var firstSlot = await first.WaitAsync(Patience);

        var second = gate.EnterAsync(16, CancellationToken.None).AsTask();
        time.Advance(TimeSpan.FromMilliseconds(250));
        await Task.Delay(50);
        Assert.False(second.IsCompleted);

        firstSlot.Dispose();
        (await second.WaitAsync(Patience)).Dispose();
    }

    [Fact]
    public async Task While_training_a_request_for_a_few_images_computes_at_once()
    {
        using var gate = Gate(Training(), maxWaitMs: 60_000);

        var single = gate.EnterAsync(1, CancellationToken.None).AsTask();
        Assert.True(single.IsCompleted, "one decode must not wait for the trainer");
        var grid = gate.EnterAsync(16, CancellationToken.None).AsTask();
        Assert.False(grid.IsCompleted, "a 16-image grid waits for a pause");

        (await single).Dispose();
        var pause = Task.Run(gate.RunWaitingRequests);
        (await grid.WaitAsync(Patience)).Dispose();
        await pause.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_cancelled_request_leaves_the_line()
    {
        using var gate = Gate(Training(), maxWaitMs: 60_000);
        using var cancel = new CancellationTokenSource();

        var entered = gate.EnterAsync(16, cancel.Token).AsTask();
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => entered.WaitAsync(Patience));
        Assert.Equal(0, gate.Waiting);
        gate.RunWaitingRequests(); // returns at once: nobody waits
    }

    [Fact]
    public async Task With_the_model_idle_requests_up_to_the_idle_bound_proceed_together()
    {
        using var gate = Gate(new TrainingStatusFeed());

        var slots = new List<InferenceGate.Slot>();
        for (var i = 0; i < 4; i++)
        {
            var entered = gate.EnterAsync(16, CancellationToken.None).AsTask();
            Assert.True(entered.IsCompleted);
            slots.Add(await entered);
        }

        var fifth = gate.EnterAsync(16, CancellationToken.None).AsTask();
        Assert.False(fifth.IsCompleted);
        slots[0].Dispose();
        (await fifth.WaitAsync(Patience)).Dispose();
        foreach (var slot in slots.Skip(1))
        {
            slot.Dispose();
        }
    }
}
