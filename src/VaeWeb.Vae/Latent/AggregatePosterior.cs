using VaeWeb.Vae.Data;
using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Latent;

/// <summary>
/// The aggregate posterior q(z) = (1/N) Σₙ q(z|xₙ) approximated by one full-covariance Gaussian per
/// digit class, fitted to the training set's μ. The prior N(0, I) is what the model was trained to
/// match, but with squared error (c = 1) and 64 latent dimensions q(z) leaves much of N(0, I)
/// empty, and decodes from those holes are not digits; drawing from where the encoder actually put
/// the training digits gives readable samples from the same decoder, with no retraining
/// (Ghosh et al. 2020, "From variational to deterministic autoencoders", ex-post density estimation).
/// </summary>
public sealed class AggregatePosterior
{
    /// <summary>Added to each covariance's diagonal, relative to its mean variance, so every Cholesky factor exists.</summary>
    public const double Ridge = 1e-4;

    private readonly double[][] means;
    private readonly double[][,] choleskyFactors;
    private readonly double[] classShares;

    private AggregatePosterior(double[][] means, double[][,] choleskyFactors, double[] classShares)
    {
        this.means = means;
        this.choleskyFactors = choleskyFactors;
        this.classShares = classShares;
    }

    public int LatentDim => means[0].Length;

    public int Classes => means.Length;

    /// <summary>Each class's share of the training images: how often an unconditional draw picks it.</summary>
    public IReadOnlyList<double> ClassShares => classShares;

    /// <summary>Encodes <paramref name="train"/> and fits one Gaussian per label to its μ, in double precision.</summary>
    public static AggregatePosterior Fit(ConvVae model, DigitSplit train, int classes = 10)
    {
        using var scope = NewDisposeScope();
        var (mu, _) = LatentDiagnostics.Encode(model, train.Images);
        var d = mu[0].Length;
        var labels = train.Labels;
        var means = new double[classes][];
        var factors = new double[classes][,];
        var shares = new double[classes];
        for (var c = 0; c < classes; c++)
        {
            var rows = Enumerable.Range(0, labels.Count).Where(i => labels[i] == c).Select(i => mu[i]).ToArray();
            if (rows.Length < 2)
            {
                throw new InvalidOperationException($"Class {c} has {rows.Length} training images; at least 2 are needed to fit its covariance.");
            }

            var m = tensor(rows.SelectMany(r => r).Select(v => (double)v).ToArray(), [rows.Length, d]);
            var mean = m.mean([0L]);
            var centred = m - mean;
            var covariance = centred.t().matmul(centred).Over(rows.Length - 1);
            var ridge = Ridge * covariance.diagonal().mean().item<double>();
            covariance = covariance.Plus(eye(d, dtype: ScalarType.Float64), ridge);
            var l = linalg.cholesky(covariance).contiguous().data<double>().ToArray();
            var factor = new double[d, d];
            Buffer.BlockCopy(l, 0, factor, 0, l.Length * sizeof(double));
            means[c] = mean.data<double>().ToArray();
            factors[c] = factor;
            shares[c] = rows.Length / (double)labels.Count;
        }

        return new AggregatePosterior(means, factors, shares);
    }

    /// <summary>
    /// n latent vectors: each from the class <paramref name="digit"/> or, when null, from a class drawn by
    /// its share; z = m_c + T·L_c·ε. The same seed gives the same vectors. Computed in managed code
    /// (n ≤ a few hundred 64-D vectors): exact, and the same bits on every CPU.
    /// </summary>
    public float[][] Sample(int n, long seed, double temperature = 1.0, int? digit = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(temperature);
        if (digit is { } fixedClass)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(fixedClass);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(fixedClass, Classes);
        }

        var random = new Random(unchecked((int)(seed ^ (seed >> 32))));
        var d = LatentDim;
        var result = new float[n][];
        var eps = new double[d];
        for (var s = 0; s < n; s++)
        {
            var c = digit ?? PickClass(random.NextDouble());
            for (var j = 0; j < d; j++)
            {
                eps[j] = StandardNormal(random);
            }

            var z = new float[d];
            var l = choleskyFactors[c];
            for (var i = 0; i < d; i++)
            {
                var sum = 0.0;
                for (var j = 0; j <= i; j++)
                {
                    sum += l[i, j] * eps[j];
                }

                z[i] = (float)(means[c][i] + (temperature * sum));
            }

            result[s] = z;
        }

        return result;
    }

    private int PickClass(double u)
    {
        for (var c = 0; c < classShares.Length; c++)
        {
            u -= classShares[c];
            if (u < 0)
            {
                return c;
            }
        }

        return classShares.Length - 1;
    }

    /// <summary>Box–Muller: two uniforms to one standard normal (the second is discarded for simplicity).</summary>
    private static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
