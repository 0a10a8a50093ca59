using Microsoft.Extensions.Time.Testing;
using VaeWeb.Serving;

namespace VaeWeb.Tests.Serving;

public class ComputeBudgetTests
{
    [Fact]
    public void Compute_beyond_the_burst_is_repaid_at_the_share_rate()
    {
        var time = new FakeTimeProvider();
        var budget = new ComputeBudget(0.25, TimeSpan.FromMilliseconds(100), time);
        Assert.Equal(TimeSpan.Zero, budget.WaitBeforeStart());

        budget.Charge(TimeSpan.FromMilliseconds(300)); // 200 ms past the burst: 800 ms at a quarter core
        Assert.Equal(800, budget.WaitBeforeStart().TotalMilliseconds, precision: 3);

        time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(400, budget.WaitBeforeStart().TotalMilliseconds, precision: 3);

        time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(TimeSpan.Zero, budget.WaitBeforeStart());
    }

    [Fact]
    public void Idle_time_never_saves_up_more_than_the_burst()
    {
        var time = new FakeTimeProvider();
        var budget = new ComputeBudget(0.25, TimeSpan.FromMilliseconds(100), time);

        time.Advance(TimeSpan.FromHours(1));
        budget.Charge(TimeSpan.FromMilliseconds(150));

        Assert.Equal(200, budget.WaitBeforeStart().TotalMilliseconds, precision: 3);
    }
}
