namespace VaeWeb.Vae.Latent;

/// <summary>How a path between two latent vectors is drawn.</summary>
public enum InterpolationMethod
{
    /// <summary>The straight line (1 − t)·a + t·b.</summary>
    Lerp,

    /// <summary>
    /// Great-circle interpolation of the direction with the norm interpolated linearly. Under the
    /// N(0, I) prior most mass sits near a shell of radius √d; the straight line between two points
    /// of that shell cuts through its low-density inside, the spherical path stays on it.
    /// </summary>
    Slerp,
}

/// <summary>Paths between latent vectors. Maths in double; t = 0 and t = 1 return the endpoints exactly.</summary>
public static class Interpolation
{
    /// <summary>Below this sine of the angle the two directions count as parallel (or opposite).</summary>
    private const double ParallelSine = 1e-7;

    public static float[] Lerp(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double t)
    {
        CheckLengths(a, b);
        if (t == 0)
        {
            return a.ToArray();
        }

        if (t == 1)
        {
            return b.ToArray();
        }

        var result = new float[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            result[i] = (float)(((1 - t) * a[i]) + (t * b[i]));
        }

        return result;
    }

    /// <summary>
    /// z(t) = ((1 − t)·‖a‖ + t·‖b‖) · slerp(â, b̂, t): the direction moves at constant angular speed
    /// along the great circle through â and b̂, the norm moves linearly, so every point's norm lies
    /// between ‖a‖ and ‖b‖ (the classic sin-weighted formula on unnormalised vectors overshoots when
    /// the norms differ and the angle is wide).
    /// </summary>
    public static float[] Slerp(ReadOnlySpan<float> a, ReadOnlySpan<float> b, double t)
    {
        CheckLengths(a, b);
        if (t == 0)
        {
            return a.ToArray();
        }

        if (t == 1)
        {
            return b.ToArray();
        }

        var normA = Norm(a);
        var normB = Norm(b);
        if (normA == 0 || normB == 0)
        {
            // No direction to rotate from: the straight line is the only sensible path.
            return Lerp(a, b, t);
        }

        var d = a.Length;
        var u = new double[d];
        var v = new double[d];
        double dot = 0;
        for (var i = 0; i < d; i++)
        {
            u[i] = a[i] / normA;
            v[i] = b[i] / normB;
            dot += u[i] * v[i];
        }

        dot = Math.Clamp(dot, -1.0, 1.0);
        var omega = Math.Acos(dot);
        var sin = Math.Sin(omega);
        double wa, wb;
        if (sin >= ParallelSine)
        {
            wa = Math.Sin((1 - t) * omega) / sin;
            wb = Math.Sin(t * omega) / sin;
        }
        else if (dot > 0)
        {
            // Same direction: the circle degenerates to a point.
            wa = 1 - t;
            wb = t;
        }
        else
        {
            // Opposite directions: every great circle through them is as good; turn through the
            // axis least aligned with u (made orthogonal to it), cos(tπ)·u + sin(tπ)·p ends at −u.
            v = Perpendicular(u);
            wa = Math.Cos(t * Math.PI);
            wb = Math.Sin(t * Math.PI);
        }

        var radius = ((1 - t) * normA) + (t * normB);
        var result = new float[d];
        double directionNorm = 0;
        var direction = new double[d];
        for (var i = 0; i < d; i++)
        {
            direction[i] = (wa * u[i]) + (wb * v[i]);
            directionNorm += direction[i] * direction[i];
        }

        directionNorm = Math.Sqrt(directionNorm);
        for (var i = 0; i < d; i++)
        {
            result[i] = (float)(radius * direction[i] / directionNorm);
        }

        return result;
    }

    public static float[] At(InterpolationMethod method, ReadOnlySpan<float> a, ReadOnlySpan<float> b, double t) =>
        method == InterpolationMethod.Slerp ? Slerp(a, b, t) : Lerp(a, b, t);

    /// <summary><paramref name="steps"/> points at t = 0, 1/(steps − 1), …, 1.</summary>
    public static float[][] Path(InterpolationMethod method, float[] a, float[] b, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 2);
        var path = new float[steps][];
        for (var i = 0; i < steps; i++)
        {
            var t = i == steps - 1 ? 1.0 : (double)i / (steps - 1);
            path[i] = At(method, a, b, t);
        }

        return path;
    }

    public static double Norm(ReadOnlySpan<float> v)
    {
        double sum = 0;
        foreach (var x in v)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum);
    }

    private static double[] Perpendicular(double[] u)
    {
        var axis = 0;
        for (var i = 1; i < u.Length; i++)
        {
            if (Math.Abs(u[i]) < Math.Abs(u[axis]))
            {
                axis = i;
            }
        }

        var p = new double[u.Length];
        p[axis] = 1;
        var along = u[axis];
        double norm = 0;
        for (var i = 0; i < u.Length; i++)
        {
            p[i] -= along * u[i];
            norm += p[i] * p[i];
        }

        norm = Math.Sqrt(norm);
        for (var i = 0; i < u.Length; i++)
        {
            p[i] /= norm;
        }

        return p;
    }

    private static void CheckLengths(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"The two vectors differ in length ({a.Length} and {b.Length}).", nameof(b));
        }
    }
}
