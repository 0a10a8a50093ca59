using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VaeWeb.Imaging;

namespace VaeWeb.Tests.Imaging;

public class PngRendererTests
{
    private static float[][] Tiles(int count) =>
        [.. Enumerable.Range(0, count).Select(t => Enumerable.Range(0, 784).Select(i => ((i * 7) + (t * 31)) % 256 / 255f).ToArray())];

    private static List<string> Chunks(byte[] png)
    {
        var chunks = new List<string>();
        for (var at = 8; at + 8 <= png.Length; at += 12 + BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at)))
        {
            chunks.Add(Encoding.ASCII.GetString(png, at + 4, 4));
        }

        return chunks;
    }

    [Fact]
    public void A_grid_of_16_is_a_112_pixel_square_8_bit_grey_png_holding_the_exact_pixels()
    {
        var tiles = Tiles(16);

        var png = PngRenderer.Grid(tiles);

        var info = Image.Identify(png);
        Assert.Equal((112, 112), (info.Width, info.Height));
        Assert.Equal(8, info.PixelType.BitsPerPixel);
        using var image = Image.Load<L8>(png);
        for (var t = 0; t < 16; t++)
        {
            for (var i = 0; i < 784; i++)
            {
                var (x, y) = ((t % 4 * 28) + (i % 28), (t / 4 * 28) + (i / 28));
                Assert.Equal((byte)MathF.Round(tiles[t][i] * 255), image[x, y].PackedValue);
            }
        }
    }

    [Fact]
    public void The_same_pixels_give_the_same_bytes_with_no_metadata_chunks()
    {
        var first = PngRenderer.Strip(Tiles(10));
        var second = PngRenderer.Strip(Tiles(10));

        Assert.Equal(first, second);
        Assert.Equal(["IHDR", "IDAT", "IEND"], Chunks(first));
        Assert.Equal((280, 28), (Image.Identify(first).Width, Image.Identify(first).Height));
    }
}
