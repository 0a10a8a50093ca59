using VaeWeb.Serving;

namespace VaeWeb.Tests.Serving;

public class SampleCacheTests
{
    [Fact]
    public void Several_runs_compared_side_by_side_each_keep_their_cached_samples()
    {
        var cache = new SampleCache();
        var computed = 0;
        float[][] Sample() { computed++; return [new float[784]]; }

        foreach (var round in Enumerable.Range(0, 3))
        {
            foreach (var run in Enumerable.Range(0, 6))
            {
                cache.GetOrAdd($"run{run}.e10", 1, 7, Sample);
            }
        }

        // Six versions alternating: each drawn once, the next two rounds all hits.
        Assert.Equal(6, computed);
    }

    [Fact]
    public void Past_the_version_bound_the_least_recently_used_version_goes_first()
    {
        var cache = new SampleCache();
        for (var v = 0; v < SampleCache.MaxVersions; v++)
        {
            cache.GetOrAdd($"v{v}", 1, 1, () => [new float[784]]);
        }

        Assert.NotNull(cache.TryGet("v0", 1, 1)); // v0 is now the most recently used
        cache.GetOrAdd("new", 1, 1, () => [new float[784]]);

        Assert.NotNull(cache.TryGet("v0", 1, 1));
        Assert.Null(cache.TryGet("v1", 1, 1));
        Assert.NotNull(cache.TryGet("new", 1, 1));
    }

    [Fact]
    public void The_image_bound_holds_across_versions()
    {
        var cache = new SampleCache();
        var perEntry = 256;
        for (var seed = 0; seed < 2 * SampleCache.MaxImages / perEntry; seed++)
        {
            cache.GetOrAdd($"v{seed % 3}", perEntry, seed, () => Enumerable.Range(0, perEntry).Select(_ => new float[1]).ToArray());
        }

        var held = Enumerable.Range(0, 2 * SampleCache.MaxImages / perEntry)
            .Count(seed => cache.TryGet($"v{seed % 3}", perEntry, seed) is not null);
        Assert.Equal(SampleCache.MaxImages / perEntry, held);
    }
}
