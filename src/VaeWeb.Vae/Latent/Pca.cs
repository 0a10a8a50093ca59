using static TorchSharp.torch;

namespace VaeWeb.Vae.Latent;

/// <summary>
/// A fitted principal-component projection: y = Cᵀ(x − mean) and back x ≈ mean + C·y, where the
/// rows of <see cref="Components"/> are orthonormal directions of largest variance, largest first.
/// </summary>
public sealed record PcaProjection(
    float[] Mean,
    float[][] Components,
    double[] ExplainedVariance,
    double[] ExplainedVarianceRatio)
{
    public float[] Project(ReadOnlySpan<float> x)
    {
        var y = new float[Components.Length];
        for (var k = 0; k < Components.Length; k++)
        {
            double sum = 0;
            var c = Components[k];
            for (var i = 0; i < Mean.Length; i++)
            {
                sum += (x[i] - (double)Mean[i]) * c[i];
            }

            y[k] = (float)sum;
        }

        return y;
    }

    /// <summary>The point of the full space that projects to <paramref name="y"/> and lies in the components' plane through the mean.</summary>
    public float[] Reconstruct(ReadOnlySpan<float> y)
    {
        var x = new double[Mean.Length];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = Mean[i];
        }

        for (var k = 0; k < Components.Length; k++)
        {
            for (var i = 0; i < x.Length; i++)
            {
                x[i] += y[k] * (double)Components[k][i];
            }
        }

        return Array.ConvertAll(x, v => (float)v);
    }
}

/// <summary>Principal component analysis of a small cloud of points (rows), by the eigendecomposition of its covariance.</summary>
public static class Pca
{
    public static PcaProjection Fit(IReadOnlyList<float[]> rows, int components = 2)
    {
        if (rows.Count < 2)
        {
            throw new ArgumentException("PCA needs at least two points.", nameof(rows));
        }

        var d = rows[0].Length;
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(components, d);
        var flat = new double[rows.Count * d];
        for (var r = 0; r < rows.Count; r++)
        {
            if (rows[r].Length != d)
            {
                throw new ArgumentException($"Row {r} has {rows[r].Length} values; {d} expected.", nameof(rows));
            }

            for (var i = 0; i < d; i++)
            {
                flat[(r * d) + i] = rows[r][i];
            }
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // Double precision: the covariance of a few thousand points loses little, and eigh is exact enough to test against.
        var x = tensor(flat, [rows.Count, d], dtype: ScalarType.Float64);
        var mean = x.mean([0L]);
        var centred = x - mean;
        var covariance = centred.t().matmul(centred).Over(rows.Count - 1);
        var (values, vectors) = linalg.eigh(covariance);
        // eigh sorts eigenvalues ascending; the largest are the last columns.
        var eigenvalues = values.data<double>().ToArray();
        var total = eigenvalues.Sum(v => Math.Max(v, 0));
        var vectorData = vectors.contiguous().data<double>().ToArray();
        var resultComponents = new float[components][];
        var explained = new double[components];
        var ratio = new double[components];
        for (var k = 0; k < components; k++)
        {
            var column = d - 1 - k;
            var component = new double[d];
            for (var i = 0; i < d; i++)
            {
                component[i] = vectorData[(i * d) + column];
            }

            // An eigenvector's sign is arbitrary; fix it (largest entry positive) so maps are stable across calls.
            var largest = component.MaxBy(Math.Abs);
            var sign = largest < 0 ? -1.0 : 1.0;
            resultComponents[k] = Array.ConvertAll(component, v => (float)(v * sign));
            explained[k] = Math.Max(eigenvalues[column], 0);
            ratio[k] = total > 0 ? explained[k] / total : 0;
        }

        var meanValues = Array.ConvertAll(mean.data<double>().ToArray(), v => (float)v);
        return new PcaProjection(meanValues, resultComponents, explained, ratio);
    }
}
