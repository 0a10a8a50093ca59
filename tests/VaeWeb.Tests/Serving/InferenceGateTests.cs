using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Serving;
using VaeWeb.Training;

namespace VaeWeb.Tests.Serving;

/// <summary>While a run trains, requests beyond the configured bound wait their turn; with the model idle they do not.</summary>
public class InferenceGateTests
{
    private static InferenceGate Gate(TrainingStatusFeed feed) => new(
        Options.Create(new VaeOptions { Serving = new ServingOptions { ConcurrentRequests = 4, ConcurrentRequestsWhileTraining = 1 } }),
        feed);

    [Fact]
    public async Task While_training_a_second_request_waits_until_the_first_is_done()
    {
        var feed = new TrainingStatusFeed();
        feed.Publish(RunStatus.Idle with { State = RunState.Running });
        using var gate = Gate(feed);

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
