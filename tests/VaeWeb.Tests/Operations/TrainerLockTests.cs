using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Tests.Operations;

public class TrainerLockTests
{
    [Fact]
    public void A_second_trainer_on_the_same_state_directory_refuses_to_start_and_says_why()
    {
        using var state = new TempDirectory();
        using var first = new VaeWebFactory(state.Path);
        using var firstClient = first.CreateClient();
        using var second = new VaeWebFactory(state.Path);

        var refusal = Assert.ThrowsAny<Exception>(() => second.CreateClient());

        var message = refusal is AggregateException aggregate ? aggregate.GetBaseException().Message : refusal.Message;
        Assert.Contains(TrainerLock.FileName, message, StringComparison.Ordinal);
        Assert.Contains("Vae:Training:Enabled=false", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Once_the_first_trainer_stops_the_directory_is_free_again()
    {
        using var state = new TempDirectory();
        using (var first = new VaeWebFactory(state.Path))
        using (var client = first.CreateClient())
        {
            Assert.True((await client.GetAsync("/healthz")).IsSuccessStatusCode);
        }

        using var second = new VaeWebFactory(state.Path);
        using var secondClient = second.CreateClient();
        Assert.True((await secondClient.GetAsync("/healthz")).IsSuccessStatusCode);
    }
}
