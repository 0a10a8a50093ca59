using SkiaSharp;

namespace VaeWeb.Imaging;

/// <summary>An uploaded image that cannot be made into a digit; <see cref="StatusCode"/> is the HTTP status to answer with.</summary>
public sealed class ImageInputException(int statusCode, string field, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    /// <summary>The request field that held the image ("body" for a raw upload, "file" for a form).</summary>
    public string Field { get; } = field;
}

/// <summary>
/// Makes an image of any size into a 28×28 MNIST-like input the way MNIST itself was made:
/// grayscale, light digit on a dark background, the digit's bounding box scaled to fit 20×20 with
/// its aspect ratio kept, then placed in the 28×28 field with its centre of mass at the centre.
/// </summary>
public static class MnistPreprocessor
{
    public const int Side = 28;
    public const int Box = 20;

    /// <summary>Large photos are decoded at a reduced scale when the codec can (JPEG: 1/2, 1/4, 1/8); the digit ends up 20 pixels tall anyway.</summary>
    private const int DecodeSide = 1024;

    /// <summary>Ink below this (after background removal) does not count towards the bounding box: sensor noise, paper texture.</summary>
    private const float InkThreshold = 0.1f;

    /// <summary>The least contrast between the background and the darkest or lightest stroke for an image to hold a digit at all.</summary>
    private const float MinimumContrast = 0.1f;

    /// <summary>Decodes a PNG or JPEG (any format SkiaSharp reads) after checking its size in pixels from the header.</summary>
    public static float[] FromEncoded(byte[] encoded, long maxPixels, string field)
    {
        using var stream = new MemoryStream(encoded, writable: false);
        using var codec = SKCodec.Create(stream, out var opened);
        if (codec is null)
        {
            throw new ImageInputException(StatusCodes.Status400BadRequest, field, $"{field} is not a readable image ({opened}); send a PNG or JPEG.");
        }

        // The header alone says how large the image claims to be: refuse before allocating for it.
        var info = codec.Info;
        var pixels = (long)info.Width * info.Height;
        if (info.Width <= 0 || info.Height <= 0 || pixels > maxPixels)
        {
            throw new ImageInputException(
                StatusCodes.Status413PayloadTooLarge, field,
                $"{field} is {info.Width}×{info.Height} pixels; at most {maxPixels:N0} pixels are allowed.");
        }

        var scale = Math.Min(1f, DecodeSide / (float)Math.Max(info.Width, info.Height));
        var size = scale < 1f ? codec.GetScaledDimensions(scale) : new SKSizeI(info.Width, info.Height);
        var target = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(target);
        var decoded = codec.GetPixels(target, bitmap.GetPixels());
        if (decoded == SKCodecResult.InvalidScale)
        {
            target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            using var full = new SKBitmap(target);
            decoded = codec.GetPixels(target, full.GetPixels());
            Check(decoded, field);
            return FromRgba(full.GetPixelSpan(), target.Width, target.Height, field);
        }

        Check(decoded, field);
        return FromRgba(bitmap.GetPixelSpan(), target.Width, target.Height, field);
    }

    private static void Check(SKCodecResult result, string field)
    {
        if (result != SKCodecResult.Success)
        {
            throw new ImageInputException(StatusCodes.Status400BadRequest, field, $"{field} could not be decoded ({result}); send a complete PNG or JPEG.");
        }
    }

    /// <summary>Ink in [0, 1] per pixel from RGBA: alpha when the image is drawn on transparency, else luminance with dark-on-light inverted.</summary>
    internal static float[] FromRgba(ReadOnlySpan<byte> rgba, int width, int height, string field)
    {
        var count = width * height;
        var ink = new float[count];
        var transparent = 0;
        for (var i = 0; i < count; i++)
        {
            if (rgba[(i * 4) + 3] < 128)
            {
                transparent++;
            }
        }

        // A stroke drawn on a transparent canvas (a browser's, say) is its alpha, whatever its colour.
        var useAlpha = transparent >= count / 100 + 1;
        for (var i = 0; i < count; i++)
        {
            var p = i * 4;
            ink[i] = useAlpha
                ? rgba[p + 3] / 255f
                : ((0.299f * rgba[p]) + (0.587f * rgba[p + 1]) + (0.114f * rgba[p + 2])) / 255f;
        }

        var background = BorderMean(ink, width, height);
        if (!useAlpha && background > 0.5f)
        {
            // Dark ink on light paper: MNIST digits are light on dark.
            for (var i = 0; i < count; i++)
            {
                ink[i] = 1f - ink[i];
            }

            background = 1f - background;
        }

        var peak = ink.Max();
        if (peak - background < MinimumContrast)
        {
            throw new ImageInputException(StatusCodes.Status400BadRequest, field, $"{field} holds no digit: the image is blank (no stroke stands out from the background).");
        }

        for (var i = 0; i < count; i++)
        {
            ink[i] = Math.Clamp((ink[i] - background) / (peak - background), 0f, 1f);
        }

        return FromInk(ink, width, height, field);
    }

    /// <summary>The MNIST geometry on an ink map (light on dark, background 0): crop, fit 20×20, centre the mass in 28×28.</summary>
    public static float[] FromInk(float[] ink, int width, int height, string field = "image")
    {
        int left = width, top = height, right = -1, bottom = -1;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (ink[(y * width) + x] > InkThreshold)
                {
                    left = Math.Min(left, x);
                    right = Math.Max(right, x);
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }

        if (right < 0)
        {
            throw new ImageInputException(StatusCodes.Status400BadRequest, field, $"{field} holds no digit: no pixel is brighter than the background.");
        }

        var boxWidth = right - left + 1;
        var boxHeight = bottom - top + 1;
        var crop = new byte[boxWidth * boxHeight];
        for (var y = 0; y < boxHeight; y++)
        {
            for (var x = 0; x < boxWidth; x++)
            {
                crop[(y * boxWidth) + x] = (byte)MathF.Round(ink[((top + y) * width) + left + x] * 255f);
            }
        }

        var factor = (double)Box / Math.Max(boxWidth, boxHeight);
        var scaledWidth = Math.Clamp((int)Math.Round(boxWidth * factor), 1, Box);
        var scaledHeight = Math.Clamp((int)Math.Round(boxHeight * factor), 1, Box);
        var scaled = Resize(crop, boxWidth, boxHeight, scaledWidth, scaledHeight);
        return Centre(scaled, scaledWidth, scaledHeight);
    }

    /// <summary>Anti-aliased resampling with Skia (mipmaps for large reductions, so thin strokes survive as grey rather than vanish).</summary>
    private static float[] Resize(byte[] source, int width, int height, int newWidth, int newHeight)
    {
        var sourceInfo = new SKImageInfo(width, height, SKColorType.Alpha8, SKAlphaType.Premul);
        using var sourceImage = SKImage.FromPixelCopy(sourceInfo, source, width);
        var targetInfo = new SKImageInfo(newWidth, newHeight, SKColorType.Alpha8, SKAlphaType.Premul);
        using var target = new SKBitmap(targetInfo);
        using (var canvas = new SKCanvas(target))
        {
            var sampling = newWidth < width || newHeight < height
                ? new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)
                : new SKSamplingOptions(SKCubicResampler.Mitchell);
            canvas.Clear(SKColors.Transparent);
            canvas.DrawImage(sourceImage, new SKRect(0, 0, newWidth, newHeight), sampling);
        }

        var pixels = target.GetPixelSpan().ToArray();
        return Array.ConvertAll(pixels, b => b / 255f);
    }

    /// <summary>Places the scaled digit in 28×28 so that its centre of mass falls on the field's centre (to the nearest pixel).</summary>
    private static float[] Centre(float[] digit, int width, int height)
    {
        double mass = 0, sumX = 0, sumY = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var v = digit[(y * width) + x];
                mass += v;
                sumX += v * (x + 0.5);
                sumY += v * (y + 0.5);
            }
        }

        var centreX = mass > 0 ? sumX / mass : width / 2.0;
        var centreY = mass > 0 ? sumY / mass : height / 2.0;
        // A lopsided digit may want to move further than the field allows; keep all of it inside.
        var offsetX = Math.Clamp((int)Math.Round((Side / 2.0) - centreX), 0, Side - width);
        var offsetY = Math.Clamp((int)Math.Round((Side / 2.0) - centreY), 0, Side - height);
        var field = new float[Side * Side];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                field[((offsetY + y) * Side) + offsetX + x] = digit[(y * width) + x];
            }
        }

        return field;
    }

    private static float BorderMean(float[] values, int width, int height)
    {
        // A frame a twentieth of the shorter side wide: the paper around a centred digit.
        var band = Math.Max(1, Math.Min(width, height) / 20);
        double sum = 0;
        var count = 0;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (x < band || y < band || x >= width - band || y >= height - band)
                {
                    sum += values[(y * width) + x];
                    count++;
                }
            }
        }

        return (float)(sum / count);
    }
}
