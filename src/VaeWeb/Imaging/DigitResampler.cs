namespace VaeWeb.Imaging;

/// <summary>
/// Scales a digit's grey crop to its 20×20 box: through a pyramid of halved images with linear
/// blending between levels to shrink (thin strokes survive as grey instead of vanishing between
/// samples), Mitchell–Netravali to enlarge. It is the arithmetic of the native graphics library the
/// service drew with before ImageSharp, in managed code, so an upload still gives the model the
/// same 28×28 input (within 1/255 per pixel, from float rounding) and encodings users saw stay put.
/// </summary>
public static class DigitResampler
{
    /// <summary>Values in [0, 1], rounded to 8 bits like the 8-bit image they stand for.</summary>
    public static float[] Resize(byte[] source, int width, int height, int newWidth, int newHeight)
    {
        var result = new float[newWidth * newHeight];
        if (newWidth < width || newHeight < height)
        {
            Shrink(source, width, height, newWidth, newHeight, result);
        }
        else
        {
            Enlarge(source, width, height, newWidth, newHeight, result);
        }

        return result;
    }

    private static void Shrink(byte[] source, int width, int height, int newWidth, int newHeight, float[] result)
    {
        // The level of detail: log2 of the reduction on the more-reduced axis, less half a level
        // (so a level is used from half-way above its own scale), blending the two levels around it.
        var scale = Math.Min(newWidth / (float)width, newHeight / (float)height);
        var level = Math.Max(0f, -MathF.Log2(scale) - 0.5f);
        var upperIndex = (int)MathF.Floor(level);
        var lowerWeight = level - upperIndex;
        var pyramid = Pyramid(source, width, height, upperIndex + 1);
        if (upperIndex >= pyramid.Count)
        {
            (upperIndex, lowerWeight) = (0, 0f);
        }

        var upper = pyramid[upperIndex];
        var lower = lowerWeight > 0 && upperIndex + 1 < pyramid.Count ? pyramid[upperIndex + 1] : null;
        for (var y = 0; y < newHeight; y++)
        {
            for (var x = 0; x < newWidth; x++)
            {
                var value = upper.Bilinear(x, y, width, height, newWidth, newHeight);
                if (lower is not null)
                {
                    value += (lower.Bilinear(x, y, width, height, newWidth, newHeight) - value) * lowerWeight;
                }

                result[(y * newWidth) + x] = To8Bit(value);
            }
        }
    }

    private static void Enlarge(byte[] source, int width, int height, int newWidth, int newHeight, float[] result)
    {
        for (var y = 0; y < newHeight; y++)
        {
            var v = ((y + 0.5f) * (height / (float)newHeight)) - 0.5f;
            var y0 = (int)MathF.Floor(v);
            var fy = v - y0;
            for (var x = 0; x < newWidth; x++)
            {
                var u = ((x + 0.5f) * (width / (float)newWidth)) - 0.5f;
                var x0 = (int)MathF.Floor(u);
                var fx = u - x0;
                var sum = 0f;
                for (var j = -1; j <= 2; j++)
                {
                    var row = 0f;
                    var sy = Math.Clamp(y0 + j, 0, height - 1) * width;
                    for (var i = -1; i <= 2; i++)
                    {
                        row += Mitchell(i - fx) * source[sy + Math.Clamp(x0 + i, 0, width - 1)] / 255f;
                    }

                    sum += Mitchell(j - fy) * row;
                }

                result[(y * newWidth) + x] = To8Bit(sum);
            }
        }
    }

    /// <summary>The Mitchell–Netravali cubic with B = C = 1/3.</summary>
    private static float Mitchell(float t)
    {
        const float B = 1f / 3, C = 1f / 3;
        t = MathF.Abs(t);
        return t switch
        {
            < 1 => (((12 - (9 * B) - (6 * C)) * t * t * t) + ((-18 + (12 * B) + (6 * C)) * t * t) + (6 - (2 * B))) / 6,
            < 2 => (((-B - (6 * C)) * t * t * t) + (((6 * B) + (30 * C)) * t * t) + (((-12 * B) - (48 * C)) * t) + ((8 * B) + (24 * C))) / 6,
            _ => 0,
        };
    }

    private static float To8Bit(float value) => MathF.Round(Math.Clamp(value, 0f, 1f) * 255f) / 255f;

    /// <summary>
    /// The image and its halvings, down to <paramref name="levels"/> below it or 1×1. Each level is
    /// floor(size / 2) of the one above: a 2-tap box along an even axis, a 1-2-1 triangle along an
    /// odd one (so no source row or column is dropped), sums truncated to 8 bits.
    /// </summary>
    private static List<Level> Pyramid(byte[] source, int width, int height, int levels)
    {
        var pyramid = new List<Level> { new(source, width, height) };
        var level = pyramid[0];
        while (pyramid.Count <= levels && (level.Width > 1 || level.Height > 1))
        {
            level = level.Halve();
            pyramid.Add(level);
        }

        return pyramid;
    }

    private sealed class Level(byte[] pixels, int width, int height)
    {
        public int Width { get; } = width;

        public int Height { get; } = height;

        public Level Halve()
        {
            var newWidth = Math.Max(1, Width >> 1);
            var newHeight = Math.Max(1, Height >> 1);
            ReadOnlySpan<int> across = Taps(Width);
            ReadOnlySpan<int> down = Taps(Height);
            var total = Sum(across) * Sum(down);
            var halved = new byte[newWidth * newHeight];
            for (var y = 0; y < newHeight; y++)
            {
                for (var x = 0; x < newWidth; x++)
                {
                    var sum = 0;
                    for (var j = 0; j < down.Length; j++)
                    {
                        var row = ((2 * y) + j) * Width;
                        for (var i = 0; i < across.Length; i++)
                        {
                            sum += down[j] * across[i] * pixels[row + (2 * x) + i];
                        }
                    }

                    halved[(y * newWidth) + x] = (byte)(sum / total);
                }
            }

            return new Level(halved, newWidth, newHeight);
        }

        /// <summary>Bilinear at the centre of output pixel (x, y), this level standing for the whole source; edges clamp.</summary>
        public float Bilinear(int x, int y, int sourceWidth, int sourceHeight, int newWidth, int newHeight)
        {
            var u = ((x + 0.5f) * (Width / (float)sourceWidth * (sourceWidth / (float)newWidth))) - 0.5f;
            var v = ((y + 0.5f) * (Height / (float)sourceHeight * (sourceHeight / (float)newHeight))) - 0.5f;
            var x0 = (int)MathF.Floor(u);
            var y0 = (int)MathF.Floor(v);
            var fx = u - x0;
            var fy = v - y0;
            return (At(x0, y0) * ((1 - fx) * (1 - fy))) + (At(x0 + 1, y0) * (fx * (1 - fy)))
                + (At(x0, y0 + 1) * ((1 - fx) * fy)) + (At(x0 + 1, y0 + 1) * (fx * fy));
        }

        private float At(int x, int y) => pixels[(Math.Clamp(y, 0, Height - 1) * Width) + Math.Clamp(x, 0, Width - 1)] / 255f;

        private static int[] Taps(int size) => size == 1 ? [1] : (size & 1) == 1 ? [1, 2, 1] : [1, 1];

        private static int Sum(ReadOnlySpan<int> taps)
        {
            var sum = 0;
            foreach (var t in taps)
            {
                sum += t;
            }

            return sum;
        }
    }
}
