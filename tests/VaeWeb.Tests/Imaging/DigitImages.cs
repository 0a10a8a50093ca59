using System.Buffers.Binary;
using System.Text;
using SkiaSharp;

namespace VaeWeb.Tests.Imaging;

/// <summary>Synthetic uploads: digits drawn with Skia, and hand-made files that lie about their size.</summary>
public static class DigitImages
{
    /// <summary>A "7" drawn dark on light paper at <paramref name="side"/>×<paramref name="side"/>, off-centre like a phone photo.</summary>
    public static byte[] SevenDarkOnLight(int side = 200, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        using var surface = SKSurface.Create(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        var canvas = surface.Canvas;
        canvas.Clear(new SKColor(245, 240, 230));
        using var pen = new SKPaint { Color = new SKColor(20, 20, 30), StrokeWidth = side / 14f, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeCap = SKStrokeCap.Round };
        var s = side / 200f;
        canvas.DrawLine(30 * s, 40 * s, 110 * s, 40 * s, pen);
        canvas.DrawLine(110 * s, 40 * s, 60 * s, 160 * s, pen);
        return Encode(surface, format);
    }

    /// <summary>A wide horizontal bar, light on dark: its box is 4:1, so it should land 20 wide and about 5 tall.</summary>
    public static byte[] WideBarLightOnDark()
    {
        using var surface = SKSurface.Create(new SKImageInfo(300, 300, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.Black);
        using var fill = new SKPaint { Color = SKColors.White };
        surface.Canvas.DrawRect(new SKRect(40, 180, 240, 230), fill);
        return Encode(surface, SKEncodedImageFormat.Png);
    }

    public static byte[] Blank(int side = 64)
    {
        using var surface = SKSurface.Create(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);
        return Encode(surface, SKEncodedImageFormat.Png);
    }

    /// <summary>A 70-byte PNG whose header claims <paramref name="width"/>×<paramref name="height"/> pixels.</summary>
    public static byte[] PngClaiming(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 0; // grayscale
        Chunk(stream, "IHDR", header);
        Chunk(stream, "IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
        Chunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void Chunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        stream.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }

    private static byte[] Encode(SKSurface surface, SKEncodedImageFormat format)
    {
        using var image = surface.Snapshot();
        using var data = image.Encode(format, 95);
        return data.ToArray();
    }
}
