using SkiaSharp;

namespace VaeWeb.Imaging;

/// <summary>Draws images of 784 values in [0, 1] as PNG: one 28×28 tile each, in a near-square grid or a strip.</summary>
public static class PngRenderer
{
    public const int Tile = 28;

    /// <summary>Columns of a near-square grid for <paramref name="count"/> tiles.</summary>
    public static int GridColumns(int count) => Math.Max(1, (int)Math.Ceiling(Math.Sqrt(count)));

    public static byte[] Grid(IReadOnlyList<float[]> images) => Render(images, GridColumns(images.Count));

    /// <summary>All tiles in one row (interpolation strips, side-by-side comparisons).</summary>
    public static byte[] Strip(IReadOnlyList<float[]> images) => Render(images, Math.Max(1, images.Count));

    public static byte[] Render(IReadOnlyList<float[]> images, int columns)
    {
        var rows = Math.Max(1, (images.Count + columns - 1) / columns);
        var width = columns * Tile;
        var height = rows * Tile;
        var pixels = new byte[width * height];
        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            var left = i % columns * Tile;
            var top = i / columns * Tile;
            for (var y = 0; y < Tile; y++)
            {
                var row = (top + y) * width + left;
                for (var x = 0; x < Tile; x++)
                {
                    pixels[row + x] = ToByte(image[y * Tile + x]);
                }
            }
        }

        var info = new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque);
        using var data = SKData.CreateCopy(pixels);
        using var skImage = SKImage.FromPixels(info, data, width);
        // Level 6 is zlib's default trade-off; these images are tiny and mostly flat, so higher levels buy little.
        using var png = skImage.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value * 255f), 0f, 255f);
}
