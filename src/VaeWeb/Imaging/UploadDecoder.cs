using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using ImageConfiguration = SixLabors.ImageSharp.Configuration;
using VaeWeb.Configuration;

namespace VaeWeb.Imaging;

/// <summary>An upload decoded to RGBA; <see cref="Format"/> is "PNG" or "JPEG"; further work on it allocates from <see cref="Budget"/>.</summary>
public sealed record DecodedUpload(Image<Rgba32> Pixels, string Format, DecodeBudget Budget) : IDisposable
{
    public void Dispose() => Pixels.Dispose();
}

/// <summary>
/// Turns an uploaded file into pixels, reading only what a digit needs. The published advisories
/// against ImageSharp were decoders fed crafted files (GIF above all), so the decoder
/// configuration holds the PNG and JPEG modules and nothing else: any other format is refused from
/// its first bytes (415) without reaching a decoder. The declared size is read from the header
/// (<c>Image.Identify</c>) and checked before a pixel buffer exists; decoding then runs under a
/// <see cref="DecodeBudget"/> and stops when the request is cancelled.
/// </summary>
public static class UploadDecoder
{
    public const string AcceptedTypes = "PNG (image/png) or JPEG (image/jpeg)";

    private static readonly ImageConfiguration Decoders = CreateDecoders();

    /// <summary>
    /// Buffers shared by every upload's budget. A small pool: uploads are rare next to inference, and
    /// memory a burst of large uploads took goes back to the system instead of staying pooled.
    /// </summary>
    private static readonly MemoryAllocator Pool = MemoryAllocator.Create(new MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 16 });

    public static DecodedUpload Decode(byte[] encoded, LimitsOptions limits, string field, CancellationToken cancellationToken)
    {
        var budget = new DecodeBudget(Pool, limits.MaxDecodeBytes);
        return Decode(encoded, limits, field, budget, cancellationToken);
    }

    /// <summary>As <see cref="Decode(byte[], LimitsOptions, string, CancellationToken)"/>, with the caller's budget (to read its peak).</summary>
    public static DecodedUpload Decode(byte[] encoded, LimitsOptions limits, string field, DecodeBudget budget, CancellationToken cancellationToken)
    {
        var configuration = Decoders.Clone();
        configuration.MemoryAllocator = budget;

        // The signature, nothing more: PNG or JPEG go on, a known other format is 415, the rest 400.
        var format = Image.DetectFormat(configuration, encoded);
        if (format is null)
        {
            throw RefusedFormats.Recognise(encoded) is { } other
                ? new ImageInputException(StatusCodes.Status415UnsupportedMediaType, field, $"{field} is a {other} image; only {AcceptedTypes} images are accepted.")
                : new ImageInputException(StatusCodes.Status400BadRequest, field, $"{field} is not an image: its first bytes are neither a PNG nor a JPEG signature; send {AcceptedTypes}.");
        }

        CheckDeclaredSize(encoded, configuration, limits.MaxUploadPixels, field, format);
        var decoder = configuration.ImageFormatsManager.FindDecoder(format);
        using var stream = new CancellableReadStream(encoded, cancellationToken);
        try
        {
            return new DecodedUpload(decoder.Decode<Rgba32>(configuration, stream, cancellationToken), format.Name, budget);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Refusal(e, field, $"could not be decoded as {format.Name}");
        }
    }

    /// <summary>
    /// Whatever a decoder throws on a damaged or crafted file is the file's fault, not a server
    /// error: 413 when it ran out of its memory budget, 400 otherwise.
    /// </summary>
    private static ImageInputException Refusal(Exception e, string field, string what) => OverBudget(e) is { } memory
        ? new ImageInputException(StatusCodes.Status413PayloadTooLarge, field, $"{field} cannot be decoded within the memory allowed for one upload: {memory.Message}")
        : new ImageInputException(StatusCodes.Status400BadRequest, field, $"{field} {what} ({e.Message.Trim().TrimEnd('.')}); send a complete {AcceptedTypes} file.");

    /// <summary>
    /// The PNG and JPEG decoders, nothing else, and neither reads metadata: EXIF, ICC, XMP and PNG
    /// text play no part in a digit, and their parsers are attack surface (a 66 kB PNG whose
    /// compressed text chunk inflates to 64 MB cost 2.6 s and 1.7 GB of allocations with them on).
    /// Reads of 1 KB rather than 8 KB: the request's cancellation is checked on every read, and a
    /// few kilobytes of a decompression bomb hold many milliseconds of work. One thread for the work
    /// after decoding (reducing a large photo), as for decoding itself, so an upload never takes the
    /// cores the model computes on.
    /// </summary>
    private static ImageConfiguration CreateDecoders()
    {
        var configuration = new ImageConfiguration(new PngConfigurationModule(), new JpegConfigurationModule())
        {
            StreamProcessingBufferSize = 1024,
            MaxDegreeOfParallelism = 1,
        };
        configuration.ImageFormatsManager.SetDecoder(PngFormat.Instance, new PngDecoder { IgnoreMetadata = true });
        configuration.ImageFormatsManager.SetDecoder(JpegFormat.Instance, new JpegDecoder { IgnoreMetadata = true });
        return configuration;
    }

    /// <summary>The allocation that went over the budget, when that is why <paramref name="e"/> was thrown.</summary>
    public static InvalidMemoryOperationException? OverBudget(Exception e) => e switch
    {
        InvalidMemoryOperationException memory => memory,
        InvalidImageContentException { InnerException: InvalidMemoryOperationException memory } => memory,
        _ => null,
    };

    private static void CheckDeclaredSize(byte[] encoded, ImageConfiguration configuration, long maxPixels, string field, IImageFormat format)
    {
        IImageInfo? info;
        try
        {
            info = Image.Identify(configuration, encoded, out _);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw Refusal(e, field, $"has a damaged {format.Name} header");
        }

        if (info is null || info.Width <= 0 || info.Height <= 0)
        {
            var size = info is null ? "no size" : $"{info.Width}×{info.Height} pixels";
            throw new ImageInputException(StatusCodes.Status400BadRequest, field, $"{field} is a {format.Name} that declares {size}; an image needs at least 1×1.");
        }

        var pixels = (long)info.Width * info.Height;
        if (pixels > maxPixels)
        {
            throw new ImageInputException(
                StatusCodes.Status413PayloadTooLarge, field,
                $"{field} is {info.Width}×{info.Height} = {pixels:N0} pixels; at most {maxPixels:N0} pixels are allowed (Vae:Limits:MaxUploadPixels).");
        }
    }

    /// <summary>
    /// The upload's bytes, checking the request's cancellation on every read: ImageSharp's JPEG
    /// decoder watches the token itself, its PNG decoder does not, but both read as they go.
    /// </summary>
    private sealed class CancellableReadStream(byte[] data, CancellationToken cancellationToken) : MemoryStream(data, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return base.Read(buffer, offset, count);
        }

        public override int Read(Span<byte> buffer)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return base.Read(buffer);
        }

        public override int ReadByte()
        {
            cancellationToken.ThrowIfCancellationRequested();
            return base.ReadByte();
        }
    }
}
