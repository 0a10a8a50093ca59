using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Processing;
using VaeWeb.Configuration;

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

    /// <summary>
    /// Large JPEG photos are reduced to at most about this side before the digit is looked for; the
    /// digit ends up 20 pixels tall anyway. The steps are the ones JPEG decoders scale by (n/8), as
    /// the service's earlier decoder did, so the same photo keeps giving the same digit.
    /// </summary>
    private const int DecodeSide = 1024;

    /// <summary>Ink below this (after background removal) does not count towards the bounding box: sensor noise, paper texture.</summary>
    private const float InkThreshold = 0.1f;

    /// <summary>The least contrast between the background and the darkest or lightest stroke for an image to hold a digit at all.</summary>
    private const float MinimumContrast = 0.1f;

    /// <summary>Decodes a PNG or JPEG within <paramref name="limits"/> (see <see cref="UploadDecoder"/>) and makes it MNIST-like.</summary>
    public static float[] FromEncoded(byte[] encoded, LimitsOptions limits, string field, CancellationToken cancellationToken = default)
    {
        using var upload = UploadDecoder.Decode(encoded, limits, field, cancellationToken);
        var image = upload.Pixels;
        if (upload.Format == "JPEG" && Math.Max(image.Width, image.Height) > DecodeSide)
        {
            Reduce(image, field);
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (image.DangerousTryGetSinglePixelMemory(out var pixels))
        {
            return FromRgba(MemoryMarshal.AsBytes(pixels.Span), image.Width, image.Height, field, upload.Budget);
        }

        var copy = new byte[image.Width * image.Height * 4];
        image.CopyPixelDataTo(copy);
        return FromRgba(copy, image.Width, image.Height, field, upload.Budget);
    }

    /// <summary>
    /// Scales a large photo by the n/8 nearest to <see cref="DecodeSide"/> over its longer side,
    /// sizes rounded up, as a JPEG decoder scaling while it decodes would. Halving and quartering
    /// that way average 8×8 blocks down, which a box filter matches; the other eighths keep the
    /// lower frequencies of each block, which a Lanczos filter comes closest to.
    /// </summary>
    private static void Reduce(Image image, string field)
    {
        var eighths = Math.Clamp((int)Math.Round(DecodeSide * 8.0 / Math.Max(image.Width, image.Height)), 1, 7);
        var size = new Size(ScaledSide(image.Width, eighths), ScaledSide(image.Height, eighths));
        var sampler = eighths is 1 or 2 or 4 ? KnownResamplers.Box : KnownResamplers.Lanczos3;
        try
        {
            image.Mutate(c => c.Resize(new ResizeOptions { Size = size, Mode = ResizeMode.Stretch, Sampler = sampler }));
        }
        catch (Exception e) when (UploadDecoder.OverBudget(e) is { } memory)
        {
            throw new ImageInputException(StatusCodes.Status413PayloadTooLarge, field, $"{field} cannot be reduced within the memory allowed for one upload: {memory.Message}");
        }
    }

    private static int ScaledSide(int side, int eighths) => (int)((((long)side * eighths) + 7) / 8);

    /// <summary>
    /// Ink in [0, 1] per pixel from RGBA: alpha when the image is drawn on transparency, else
    /// luminance with dark-on-light inverted; then stretched so the background is 0 and the
    /// strongest stroke 1. The ink map (4 bytes a pixel) comes from <paramref name="allocator"/>,
    /// an upload's <see cref="DecodeBudget"/>, so it counts against the same limit as the pixels.
    /// </summary>
    internal static float[] FromRgba(ReadOnlySpan<byte> rgba, int width, int height, string field, MemoryAllocator? allocator = null)
    {
        var count = width * height;
        using var buffer = (allocator ?? MemoryAllocator.Default).Allocate<float>(count);
        var ink = buffer.Memory.Span;
        var transparent = 0;
        float lowest = float.MaxValue, highest = float.MinValue;
        for (var i = 0; i < count; i++)
        {
            var p = i * 4;
            var v = ((0.299f * rgba[p]) + (0.587f * rgba[p + 1]) + (0.114f * rgba[p + 2])) / 255f;
            ink[i] = v;
            lowest = Math.Min(lowest, v);
            highest = Math.Max(highest, v);
            transparent += rgba[p + 3] < 128 ? 1 : 0;
        }

        // A stroke drawn on a transparent canvas (a browser's, say) is its alpha, whatever its colour.
        var useAlpha = transparent >= count / 100 + 1;
        if (useAlpha)
        {
            (lowest, highest) = (float.MaxValue, float.MinValue);
            for (var i = 0; i < count; i++)
            {
                var v = rgba[(i * 4) + 3] / 255f;
                ink[i] = v;
                lowest = Math.Min(lowest, v);
                highest = Math.Max(highest, v);
            }
        }

        var background = BorderMean(ink, width, height);

        // Dark ink on light paper: MNIST digits are light on dark.
        var invert = !useAlpha && background > 0.5f;
        var peak = highest;
        if (invert)
        {
            background = 1f - background;
            peak = 1f - lowest;
        }

        if (peak - background < MinimumContrast)
        {
            throw new ImageInputException(StatusCodes.Status400BadRequest, field, $"{field} holds no digit: the image is blank (no stroke stands out from the background).");
        }

        var range = peak - background;
        for (var i = 0; i < count; i++)
        {
            var v = invert ? 1f - ink[i] : ink[i];
            ink[i] = Math.Clamp((v - background) / range, 0f, 1f);
        }

        return FromInk(ink, width, height, field);
    }

    /// <summary>The MNIST geometry on an ink map (light on dark, background 0): crop, fit 20×20, centre the mass in 28×28.</summary>
    public static float[] FromInk(ReadOnlySpan<float> ink, int width, int height, string field = "image")
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
        var scaled = DigitResampler.Resize(crop, boxWidth, boxHeight, scaledWidth, scaledHeight);
        return Centre(scaled, scaledWidth, scaledHeight);
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

    /// <summary>The mean of a frame a twentieth of the shorter side wide: the paper around a centred digit.</summary>
    private static float BorderMean(ReadOnlySpan<float> values, int width, int height)
    {
        var band = Math.Max(1, Math.Min(width, height) / 20);
        double sum = 0;
        long count = 0;
        for (var y = 0; y < height; y++)
        {
            var row = values.Slice(y * width, width);
            if (y < band || y >= height - band)
            {
                sum = Add(sum, row);
                count += width;
            }
            else
            {
                var right = row[Math.Max(band, width - band)..];
                sum = Add(Add(sum, row[..band]), right);
                count += band + right.Length;
            }
        }

        return (float)(sum / count);
    }

    private static double Add(double sum, ReadOnlySpan<float> values)
    {
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }
}
