using VaeWeb.Vae.Latent;

namespace VaeWeb.Tests.Latent;

public class PcaTests
{
    private static double Dot(float[] a, double[] b) => a.Select((v, i) => v * b[i]).Sum();

    private static double[] Unit(double[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    [Fact]
    public void Pca_recovers_known_components_and_their_variances_from_synthetic_data()
    {
        const int d = 10;
        var random = new Random(42);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var c1 = Unit(Enumerable.Range(0, d).Select(_ => Gaussian()).ToArray());
        var raw = Enumerable.Range(0, d).Select(_ => Gaussian()).ToArray();
        var along = raw.Select((v, i) => v * c1[i]).Sum();
        var c2 = Unit(raw.Select((v, i) => v - along * c1[i]).ToArray());
        var mean = Enumerable.Range(0, d).Select(i => (double)i).ToArray();

        var rows = new List<float[]>();
        for (var n = 0; n < 4000; n++)
        {
            var (a, b) = (5 * Gaussian(), 2 * Gaussian());
            rows.Add(Enumerable.Range(0, d).Select(i => (float)(mean[i] + a * c1[i] + b * c2[i] + 0.1 * Gaussian())).ToArray());
        }

        var pca = Pca.Fit(rows, components: 2);

        Assert.True(Math.Abs(Dot(pca.Components[0], c1)) > 0.999, $"first component ⋅ c1 = {Dot(pca.Components[0], c1)}");
        Assert.True(Math.Abs(Dot(pca.Components[1], c2)) > 0.999, $"second component ⋅ c2 = {Dot(pca.Components[1], c2)}");
        Assert.InRange(pca.ExplainedVariance[0], 25 * 0.9, 25 * 1.1);
        Assert.InRange(pca.ExplainedVariance[1], 4 * 0.9, 4 * 1.1);
        Assert.InRange(pca.ExplainedVarianceRatio[0] + pca.ExplainedVarianceRatio[1], 0.99, 1.0);
        for (var i = 0; i < d; i++)
        {
            Assert.Equal(mean[i], pca.Mean[i], 0.3);
        }
    }

    [Fact]
    public void A_2d_point_maps_back_to_the_full_vector_it_came_from_when_that_lies_in_the_plane()
    {
        var rows = new List<float[]>();
        var random = new Random(3);
        for (var n = 0; n < 200; n++)
        {
            var (a, b) = ((float)random.NextDouble(), (float)random.NextDouble());
            rows.Add([a + b, a - b, 2 * a, 1]);
        }

        var pca = Pca.Fit(rows);
        foreach (var row in rows.Take(10))
        {
            var back = pca.Reconstruct(pca.Project(row));
            for (var i = 0; i < row.Length; i++)
            {
                Assert.Equal(row[i], back[i], 4);
            }
        }
    }
}
