using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace VaeWeb.Tests.Imaging;

public enum ImageKind
{
    Png,
    Jpeg,
}

/// <summary>Synthetic uploads: digits drawn with anti-aliased round-capped strokes, and hand-made files that lie about their size.</summary>
public static class DigitImages
{
    private static readonly Rgba32 Paper = new(245, 240, 230);
    private static readonly Rgba32 Ink = new(20, 20, 30);

    /// <summary>A "7" drawn dark on light paper at <paramref name="side"/>×<paramref name="side"/>, off-centre like a phone photo.</summary>
    public static byte[] SevenDarkOnLight(int side = 200, ImageKind kind = ImageKind.Png)
    {
        using var image = SevenImage(side);
        return Encode(image, kind);
    }

    /// <summary>The same "7" as pixels, for tests that encode it their own way.</summary>
    public static Image<Rgba32> SevenImage(int side = 200)
    {
        var s = side / 200f;
        return Strokes(side, side, Paper, Ink, side / 14f, [(30 * s, 40 * s, 110 * s, 40 * s), (110 * s, 40 * s, 60 * s, 160 * s)]);
    }

    /// <summary>
    /// A phone photo of the "7": uneven light across the paper, sensor noise (seeded, so the same
    /// bytes every time), JPEG at quality 90.
    /// </summary>
    public static byte[] SevenPhoto(int side = 1024)
    {
        using var image = SevenImage(side);
        var random = new Random(side);
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    var light = 0.8f + (0.2f * (x + y) / (2f * side)) + ((float)random.NextDouble() * 0.06f) - 0.03f;
                    var p = row[x];
                    row[x] = new Rgba32(Light(p.R, light), Light(p.G, light), Light(p.B, light), 255);
                }
            }
        });
        return Encode(image, new JpegEncoder { Quality = 90 });
    }

    private static byte Light(byte value, float light) => (byte)Math.Clamp(MathF.Round(value * light), 0, 255);

    /// <summary>A "1" in white on a transparent canvas, as a browser's drawing canvas might send it.</summary>
    public static byte[] OneOnTransparency(int side = 280)
    {
        var s = side / 280f;
        using var image = Strokes(side, side, new Rgba32(255, 255, 255, 0), new Rgba32(255, 255, 255, 255), 18 * s, [(120 * s, 60 * s, 150 * s, 220 * s)], alphaOnly: true);
        return Encode(image, ImageKind.Png);
    }

    /// <summary>A "4" as the page's drawing panel makes it: 280×280, white strokes 18 wide on black.</summary>
    public static byte[] FourOnBlackCanvas()
    {
        using var image = Strokes(280, 280, new Rgba32(0, 0, 0), new Rgba32(255, 255, 255), 18, [(90, 50, 70, 160), (70, 160, 190, 160), (160, 70, 160, 240)]);
        return Encode(image, ImageKind.Png);
    }

    /// <summary>A wide horizontal bar, light on dark: its box is 4:1, so it should land 20 wide and about 5 tall.</summary>
    public static byte[] WideBarLightOnDark()
    {
        using var image = new Image<Rgba32>(300, 300, new Rgba32(0, 0, 0));
        for (var y = 180; y < 230; y++)
        {
            for (var x = 40; x < 240; x++)
            {
                image[x, y] = new Rgba32(255, 255, 255);
            }
        }

        return Encode(image, ImageKind.Png);
    }

    public static byte[] Blank(int side = 64)
    {
        using var image = new Image<Rgba32>(side, side, new Rgba32(255, 255, 255));
        return Encode(image, ImageKind.Png);
    }

    public static byte[] Encode(Image image, ImageKind kind) => Encode(image, kind == ImageKind.Png ? new PngEncoder() : new JpegEncoder { Quality = 95 });

    public static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    /// <summary>A PNG of a few dozen bytes whose header claims <paramref name="width"/>×<paramref name="height"/> pixels.</summary>
    public static byte[] PngClaiming(int width, int height) => Png(width, height, bitDepth: 8, colourType: 0, idat: ZlibOf(new byte[2]));

    /// <summary>A real 16×16 JPEG whose frame header (SOF0) is rewritten to claim <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] JpegClaiming(int width, int height)
    {
        using var image = new Image<Rgba32>(16, 16, Paper);
        var jpeg = Encode(image, ImageKind.Jpeg);
        var sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 5), (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(jpeg.AsSpan(sof + 7), (ushort)width);
        return jpeg;
    }

    /// <summary>A PNG from its parts: the IHDR fields given, one IDAT chunk, IEND.</summary>
    public static byte[] Png(int width, int height, byte bitDepth, byte colourType, byte[] idat)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = bitDepth;
        header[9] = colourType;
        Chunk(stream, "IHDR", header);
        Chunk(stream, "IDAT", idat);
        Chunk(stream, "IEND", []);
        return stream.ToArray();
    }

    public static byte[] ZlibOf(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }

    public static void Chunk(Stream stream, string type, byte[] data)
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

    public static uint Crc32(ReadOnlySpan<byte> bytes)
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

    /// <summary>
    /// Straight strokes with round caps, anti-aliased by coverage: a pixel is as much pen as its
    /// centre lies within half a pixel inside the stroke's edge.
    /// </summary>
    private static Image<Rgba32> Strokes(int width, int height, Rgba32 background, Rgba32 pen, float penWidth, (float X0, float Y0, float X1, float Y1)[] segments, bool alphaOnly = false)
    {
        var image = new Image<Rgba32>(width, height, background);
        var half = penWidth / 2;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var coverage = 0f;
                foreach (var (x0, y0, x1, y1) in segments)
                {
                    var distance = DistanceToSegment(x + 0.5f, y + 0.5f, x0, y0, x1, y1);
                    coverage = Math.Max(coverage, Math.Clamp(half + 0.5f - distance, 0f, 1f));
                }

                if (coverage > 0)
                {
                    image[x, y] = alphaOnly
                        ? new Rgba32(pen.R, pen.G, pen.B, (byte)MathF.Round(coverage * 255))
                        : new Rgba32(Mix(background.R, pen.R, coverage), Mix(background.G, pen.G, coverage), Mix(background.B, pen.B, coverage), 255);
                }
            }
        }

        return image;
    }

    private static byte Mix(byte from, byte to, float t) => (byte)MathF.Round(from + ((to - from) * t));

    private static float DistanceToSegment(float px, float py, float x0, float y0, float x1, float y1)
    {
        var (dx, dy) = (x1 - x0, y1 - y0);
        var t = Math.Clamp((((px - x0) * dx) + ((py - y0) * dy)) / ((dx * dx) + (dy * dy)), 0f, 1f);
        var (cx, cy) = (x0 + (t * dx) - px, y0 + (t * dy) - py);
        return MathF.Sqrt((cx * cx) + (cy * cy));
    }
}
