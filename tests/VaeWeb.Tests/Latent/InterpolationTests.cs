using VaeWeb.Vae.Latent;

namespace VaeWeb.Tests.Latent;

public class InterpolationTests
{
    private static float[] Vector(int seed, int d, float scale)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() * 2 - 1) * scale).ToArray();
    }

    [Theory]
    [InlineData(InterpolationMethod.Lerp)]
    [InlineData(InterpolationMethod.Slerp)]
    public void Paths_start_and_end_exactly_at_the_endpoints(InterpolationMethod method)
    {
        var a = Vector(1, 64, 1f);
        var b = Vector(2, 64, 3f);
        var path = Interpolation.Path(method, a, b, 10);
        Assert.Equal(10, path.Length);
        Assert.Equal(a, path[0]);
        Assert.Equal(b, path[^1]);
    }

    [Fact]
    public void Lerp_midpoint_is_the_average()
    {
        var mid = Interpolation.Lerp([0f, 2f, -4f], [2f, 4f, 4f], 0.5);
        Assert.Equal([1f, 3f, 0f], mid);
    }

    [Fact]
    public void Slerp_keeps_every_norm_between_the_endpoint_norms()
    {
        // Wide angles and unequal norms: where the sin-weighted formula on raw vectors overshoots.
        for (var seed = 0; seed < 20; seed++)
        {
            var a = Vector(seed, 16, 0.5f);
            var b = Vector(seed + 100, 16, 4f);
            var (low, high) = (Interpolation.Norm(a), Interpolation.Norm(b));
            (low, high) = (Math.Min(low, high), Math.Max(low, high));
            foreach (var z in Interpolation.Path(InterpolationMethod.Slerp, a, b, 33))
            {
                var norm = Interpolation.Norm(z);
                Assert.InRange(norm, low - 1e-4, high + 1e-4);
            }
        }
    }

    [Fact]
    public void Slerp_between_unit_vectors_stays_on_the_sphere_and_moves_at_constant_angle()
    {
        float[] a = [1, 0, 0];
        float[] b = [0, 1, 0];
        var path = Interpolation.Path(InterpolationMethod.Slerp, a, b, 5);
        for (var i = 0; i < path.Length; i++)
        {
            Assert.Equal(1.0, Interpolation.Norm(path[i]), 5);
            var angle = Math.Atan2(path[i][1], path[i][0]);
            Assert.Equal(Math.PI / 2 * i / 4, angle, 5);
        }
    }

    [Fact]
    public void Slerp_between_opposite_vectors_turns_through_a_perpendicular_instead_of_through_zero()
    {
        float[] a = [2, 0, 0, 0];
        float[] b = [-2, 0, 0, 0];
        var mid = Interpolation.Slerp(a, b, 0.5);
        Assert.Equal(2.0, Interpolation.Norm(mid), 5);
        Assert.Equal(0.0, mid[0], 5);
    }
}
