using TorchSharp;
using static TorchSharp.torch;

namespace VaeWeb.Vae;

/// <summary>
/// Tensor arithmetic with plain numbers, each number held in an explicit <see cref="Scalar"/> until the
/// native call has returned.
/// </summary>
/// <remarks>
/// TorchSharp's operators (<c>t * 0.5</c>, <c>t + u</c>, <c>t / n</c>) make a Scalar implicitly and keep
/// no reference to it during the native call, so the collector can finalize it (freeing the native
/// c10::Scalar) while LibTorch reads it: the call then fails ("Expected false to be true", "toFloat")
/// or computes with freed memory, depending on timing, load and machine. Dispose scopes do not track
/// Scalars. The analyzer VAE0001 (analyzers/VaeWeb.Analyzers) refuses the implicit forms at build
/// time; these are the forms to write instead. See docs/torchsharp-lifetimes.md.
/// </remarks>
public static class ScalarMath
{
    /// <summary><paramref name="tensor"/> · <paramref name="factor"/>.</summary>
    public static Tensor Times(this Tensor tensor, double factor)
    {
        using var scalar = factor.ToScalar();
        return tensor.mul(scalar);
    }

    /// <summary><paramref name="tensor"/> / <paramref name="divisor"/>.</summary>
    public static Tensor Over(this Tensor tensor, double divisor)
    {
        using var scalar = divisor.ToScalar();
        return tensor.div(scalar);
    }

    /// <summary><paramref name="tensor"/> + <paramref name="value"/>.</summary>
    public static Tensor Plus(this Tensor tensor, double value)
    {
        using var scalar = value.ToScalar();
        using var one = 1.ToScalar();
        return tensor.add(scalar, one);
    }

    /// <summary><paramref name="tensor"/> + <paramref name="other"/> (TorchSharp's <c>add(Tensor)</c> makes an implicit alpha).</summary>
    public static Tensor Plus(this Tensor tensor, Tensor other)
    {
        using var one = 1.ToScalar();
        return tensor.add(other, one);
    }

    /// <summary><paramref name="tensor"/> + <paramref name="other"/> · <paramref name="alpha"/>.</summary>
    public static Tensor Plus(this Tensor tensor, Tensor other, double alpha)
    {
        using var scalar = alpha.ToScalar();
        return tensor.add(other, scalar);
    }

    /// <summary><paramref name="tensor"/> − <paramref name="value"/>.</summary>
    public static Tensor Minus(this Tensor tensor, double value) => tensor.Plus(-value);

    /// <summary>In place: <paramref name="tensor"/> += <paramref name="other"/>.</summary>
    public static Tensor PlusInPlace(this Tensor tensor, Tensor other)
    {
        using var one = 1.ToScalar();
        return tensor.add_(other, one);
    }

    /// <summary>In place: <paramref name="tensor"/> ·= <paramref name="factor"/>.</summary>
    public static Tensor TimesInPlace(this Tensor tensor, double factor)
    {
        using var scalar = factor.ToScalar();
        return tensor.mul_(scalar);
    }

    /// <summary>Values clamped to [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Tensor ClampTo(this Tensor tensor, double min, double max)
    {
        using var low = min.ToScalar();
        using var high = max.ToScalar();
        return tensor.clamp(low, high);
    }

    /// <summary>Values at least <paramref name="min"/>.</summary>
    public static Tensor AtLeast(this Tensor tensor, double min)
    {
        using var low = min.ToScalar();
        return tensor.clamp_min(low);
    }
}
