using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using VaeWeb.Configuration;
using VaeWeb.Imaging;

namespace VaeWeb.Tests.Imaging;

public class UploadDecoderTests
{
    private static readonly LimitsOptions Limits = new();

    private static byte[] Seven(SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var image = DigitImages.SevenImage(64);
        return DigitImages.Encode(image, encoder);
    }

    public static TheoryData<string, byte[]> OtherFormats => new()
    {
        { "GIF", Seven(new GifEncoder()) },
        { "TIFF", Seven(new TiffEncoder()) },
        { "BMP", Seven(new BmpEncoder()) },
        { "WebP", Seven(new WebpEncoder()) },
    };

    [Theory]
    [MemberData(nameof(OtherFormats))]
    public void Another_format_is_415_naming_it_and_never_reaches_a_decoder(string name, byte[] file)
    {
        var budget = new DecodeBudget(MemoryAllocator.Default, Limits.MaxDecodeBytes);

        var e = Assert.Throws<ImageInputException>(() => UploadDecoder.Decode(file, Limits, "body", budget, CancellationToken.None));

        Assert.Equal(415, e.StatusCode);
        Assert.Contains(name, e.Message, StringComparison.Ordinal);
        Assert.Contains("image/png", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, budget.PeakBytes);
    }

    [Fact]
    public void A_decode_that_needs_more_than_its_memory_budget_is_413_naming_the_limit()
    {
        var png = DigitImages.SevenDarkOnLight(1024);
        var limits = new LimitsOptions { MaxDecodeBytes = 1024 * 1024 };

        var e = Assert.Throws<ImageInputException>(() => MnistPreprocessor.FromEncoded(png, limits, "file"));

        Assert.Equal(413, e.StatusCode);
        Assert.Equal("file", e.Field);
        Assert.Contains("Vae:Limits:MaxDecodeBytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decode_holds_about_its_pixels_and_gives_every_byte_back()
    {
        var budget = new DecodeBudget(MemoryAllocator.Default, Limits.MaxDecodeBytes);

        using (var upload = UploadDecoder.Decode(DigitImages.SevenDarkOnLight(1024), Limits, "body", budget, CancellationToken.None))
        {
            Assert.Equal((1024, 1024), (upload.Pixels.Width, upload.Pixels.Height));
        }

        Assert.InRange(budget.PeakBytes, 4L * 1024 * 1024, 6L * 1024 * 1024);
        Assert.Equal(0, budget.LiveBytes);
    }

    [Fact]
    public void A_request_cancelled_before_decoding_allocates_no_pixels()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var budget = new DecodeBudget(MemoryAllocator.Default, Limits.MaxDecodeBytes);

        Assert.ThrowsAny<OperationCanceledException>(() => UploadDecoder.Decode(DigitImages.SevenDarkOnLight(1024), Limits, "body", budget, cancelled.Token));

        Assert.True(budget.PeakBytes < 1024 * 1024, $"held {budget.PeakBytes} bytes");
        Assert.Equal(0, budget.LiveBytes);
    }

    [Theory]
    [InlineData(ImageKind.Png)]
    [InlineData(ImageKind.Jpeg)]
    public void A_request_cancelled_while_decoding_stops_the_decoder(ImageKind kind)
    {
        // Cancel the moment the decoder allocates its pixels: it must stop rather than finish the image.
        using var cancellation = new CancellationTokenSource();
        var budget = new DecodeBudget(new CancelOnLargeAllocation(cancellation), Limits.MaxDecodeBytes);
        var file = kind == ImageKind.Png ? DigitImages.SevenDarkOnLight(2048) : DigitImages.SevenDarkOnLight(2048, ImageKind.Jpeg);

        Assert.ThrowsAny<OperationCanceledException>(() => UploadDecoder.Decode(file, Limits, "body", budget, cancellation.Token));

        Assert.True(cancellation.IsCancellationRequested);
        Assert.Equal(0, budget.LiveBytes);
    }

    [Fact]
    public void A_progressive_jpeg_decodes_to_the_pixels_of_the_same_baseline_jpeg()
    {
        using var seven = DigitImages.SevenImage(64);
        using var grey = seven.CloneAs<L8>();
        var pixels = new byte[64 * 64];
        grey.CopyPixelDataTo(pixels);

        using var progressive = Image.Load<L8>(GreyJpeg.Write(pixels, 64, 64, progressive: true));
        using var baseline = Image.Load<L8>(GreyJpeg.Write(pixels, 64, 64, progressive: false));

        var a = new byte[64 * 64];
        var b = new byte[64 * 64];
        progressive.CopyPixelDataTo(a);
        baseline.CopyPixelDataTo(b);
        Assert.Equal(b, a);
        Assert.True(a.Zip(pixels, (x, y) => Math.Abs(x - y)).Max() <= 8, "the writer's JPEG should look like its source");
    }

    [Fact]
    public void Png_and_jpeg_are_not_refused_formats_and_neither_is_text()
    {
        Assert.Null(RefusedFormats.Recognise(DigitImages.SevenDarkOnLight(32)));
        Assert.Null(RefusedFormats.Recognise(DigitImages.SevenDarkOnLight(32, ImageKind.Jpeg)));
        Assert.Null(RefusedFormats.Recognise("BMW is a car, not a bitmap"u8));
        Assert.Equal("SVG", RefusedFormats.Recognise("\uFEFF  <svg xmlns='http://www.w3.org/2000/svg'/>"u8));
    }

    /// <summary>Hands out managed buffers and cancels when one of a megabyte or more is asked for (a decoder's pixels).</summary>
    private sealed class CancelOnLargeAllocation(CancellationTokenSource cancellation) : MemoryAllocator
    {
        protected override int GetBufferCapacityInBytes() => int.MaxValue;

        public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
        {
            if ((long)length * Unsafe.SizeOf<T>() >= 1024 * 1024)
            {
                cancellation.Cancel();
            }

            return new Exact<T>(new T[length]);
        }

        private sealed class Exact<T>(T[] array) : IMemoryOwner<T>
        {
            public Memory<T> Memory => array;

            public void Dispose()
            {
            }
        }
    }
}
