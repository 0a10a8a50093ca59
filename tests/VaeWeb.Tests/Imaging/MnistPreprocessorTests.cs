using VaeWeb.Configuration;
using VaeWeb.Imaging;

namespace VaeWeb.Tests.Imaging;

public class MnistPreprocessorTests
{
    private static readonly LimitsOptions Limits = new();

    private static (int Left, int Top, int Right, int Bottom) Box(float[] image, float threshold = 0.1f)
    {
        int left = 28, top = 28, right = -1, bottom = -1;
        for (var y = 0; y < 28; y++)
        {
            for (var x = 0; x < 28; x++)
            {
                if (image[y * 28 + x] > threshold)
                {
                    (left, right, top, bottom) = (Math.Min(left, x), Math.Max(right, x), Math.Min(top, y), Math.Max(bottom, y));
                }
            }
        }

        return (left, top, right, bottom);
    }

    private static (double X, double Y) CentreOfMass(float[] image)
    {
        double mass = 0, x = 0, y = 0;
        for (var i = 0; i < 784; i++)
        {
            mass += image[i];
            x += image[i] * (i % 28 + 0.5);
            y += image[i] * (i / 28 + 0.5);
        }

        return (x / mass, y / mass);
    }

    [Theory]
    [InlineData(ImageKind.Png)]
    [InlineData(ImageKind.Jpeg)]
    public void A_dark_on_light_digit_drawn_at_200px_lands_light_on_dark_centred_in_a_20px_box(ImageKind format)
    {
        var image = MnistPreprocessor.FromEncoded(DigitImages.SevenDarkOnLight(200, format), Limits, "body");

        Assert.Equal(784, image.Length);
        Assert.All(image, v => Assert.InRange(v, 0f, 1f));
        // Light on dark: the strokes are bright, the corners and most of the field black.
        Assert.True(image.Max() > 0.9f, $"brightest pixel {image.Max()}");
        Assert.Equal(0f, image[0]);
        Assert.Equal(0f, image[783]);
        Assert.True(image.Count(v => v < 0.05f) > 784 / 2, "most of the field should be background");

        var (left, top, right, bottom) = Box(image);
        var (width, height) = (right - left + 1, bottom - top + 1);
        Assert.Equal(20, Math.Max(width, height));
        Assert.True(width <= 20 && height <= 20, $"box {width}×{height}");

        var (cx, cy) = CentreOfMass(image);
        Assert.InRange(cx, 13.0, 15.0);
        Assert.InRange(cy, 13.0, 15.0);
    }

    [Fact]
    public void A_wide_shape_keeps_its_aspect_ratio()
    {
        var image = MnistPreprocessor.FromEncoded(DigitImages.WideBarLightOnDark(), Limits, "body");
        var (left, top, right, bottom) = Box(image, 0.5f);
        Assert.Equal(20, right - left + 1);
        Assert.InRange(bottom - top + 1, 4, 6);
    }

    [Fact]
    public void A_file_claiming_a_huge_image_is_refused_from_its_header_with_413()
    {
        var file = DigitImages.PngClaiming(100_000, 100_000);
        Assert.True(file.Length < 100);
        var e = Assert.Throws<ImageInputException>(() => MnistPreprocessor.FromEncoded(file, Limits, "body"));
        Assert.Equal(413, e.StatusCode);
        Assert.Equal("body", e.Field);
    }

    [Fact]
    public void Bytes_that_are_not_an_image_are_a_400()
    {
        var e = Assert.Throws<ImageInputException>(() => MnistPreprocessor.FromEncoded("not an image at all"u8.ToArray(), Limits, "file"));
        Assert.Equal(400, e.StatusCode);
        Assert.Equal("file", e.Field);
    }

    [Fact]
    public void A_blank_page_is_a_400_not_a_digit()
    {
        var e = Assert.Throws<ImageInputException>(() => MnistPreprocessor.FromEncoded(DigitImages.Blank(), Limits, "body"));
        Assert.Equal(400, e.StatusCode);
    }
}
