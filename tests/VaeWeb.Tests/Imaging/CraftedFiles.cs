using System.Buffers.Binary;
using System.Text;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace VaeWeb.Tests.Imaging;

/// <summary>
/// One upload of the crafted-file corpus: the body as sent, and the statuses it may get. Where the
/// outcome is part of the contract (a GIF is 415, a huge declared size 413, a valid interlaced PNG
/// a digit) there is one; where a damaged file may fairly be read either way (a digit from the rows
/// that survived, or a 400) there are several. Never a 5xx.
/// </summary>
public sealed record CraftedUpload(string Name, string ContentType, byte[] Body, string Field, params int[] Allowed);

/// <summary>
/// The crafted-file corpus, generated (no binary files in the repository): every truncation class
/// of a PNG and a JPEG, bad checksums, lying headers, decompression bombs, valid but unusual
/// encodings, other formats under an image/png label, malformed forms and seeded bit flips.
/// </summary>
public static class CraftedFiles
{
    public const int Ok = 200;
    public const int Bad = 400;
    public const int TooLarge = 413;
    public const int Unsupported = 415;

    public const int BitFlipsPerFormat = 150;

    public static IReadOnlyList<CraftedUpload> All { get; } = Build();

    private static List<CraftedUpload> Build()
    {
        var png = DigitImages.SevenDarkOnLight(64);
        var jpeg = DigitImages.SevenDarkOnLight(64, ImageKind.Jpeg);
        var list = new List<CraftedUpload>();
        void Png(string name, byte[] body, params int[] allowed) => list.Add(new($"png: {name}", "image/png", body, "body", allowed));
        void Jpeg(string name, byte[] body, params int[] allowed) => list.Add(new($"jpeg: {name}", "image/jpeg", body, "body", allowed));
        void Other(string name, byte[] body, params int[] allowed) => list.Add(new(name, "image/png", body, "body", allowed));

        var idat = ChunkOffset(png, "IDAT");
        var idatLength = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        Png("signature only", png[..8], Bad);
        Png("cut inside the header chunk", png[..20], Bad);
        Png("header chunk, no image data", png[..33], Bad);
        Png("cut inside the image data", png[..(idat + 8 + (idatLength / 2))], Ok, Bad);
        Png("no end chunk", png[..^12], Ok, Bad);
        Png("bad header checksum", Flip(png, 29), Bad);
        Png("bad image data checksum", Flip(png, idat + 8 + idatLength), Ok, Bad);
        Png("chunk length past the end of the file", With(png, idat, 0x7FFFFFF0), Bad, TooLarge);
        Png("width 0", DigitImages.Png(0, 64, 8, 0, DigitImages.ZlibOf(new byte[65])), Bad);
        Png("height 0", DigitImages.Png(64, 0, 8, 0, DigitImages.ZlibOf(new byte[65])), Bad);
        Png("width 2^31-1", DigitImages.PngClaiming(int.MaxValue, 1), TooLarge);
        Png("height 2^31-1", DigitImages.PngClaiming(1, int.MaxValue), TooLarge);
        Png("2^31-1 by 2^31-1", DigitImages.PngClaiming(int.MaxValue, int.MaxValue), TooLarge);
        Png("100000 by 100000 in 60 bytes", DigitImages.PngClaiming(100_000, 100_000), TooLarge);
        Png("zlib bomb past the pixel limit (10000×10000)", Bomb(10_000, 10_000), TooLarge);
        Png("zlib bomb within the pixel limit (4000×4000 of black)", Bomb(4000, 4000), Bad);
        Png("image data inflating far past its rows", DigitImages.Png(64, 64, 8, 0, DigitImages.ZlibOf(new byte[16 * 1024 * 1024])), Bad);
        Png("compressed text chunk inflating to 64 MB", WithChunkBeforeData(png, "zTXt", [.. "Comment"u8, 0, 0, .. DigitImages.ZlibOf(Enumerable.Repeat((byte)'a', 64 * 1024 * 1024).ToArray())]), Ok);
        Png("unknown colour type", DigitImages.Png(64, 64, 8, 5, DigitImages.ZlibOf(new byte[65 * 64])), Bad);
        Png("bit depth 7", DigitImages.Png(64, 64, 7, 0, DigitImages.ZlibOf(new byte[65 * 64])), Bad);
        Png("16-bit grey", Encode(png, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit16 }), Ok);
        Png("16-bit colour with alpha", Encode(png, new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit16 }), Ok);
        Png("palette", Encode(png, new PngEncoder { ColorType = PngColorType.Palette }), Ok);
        Png("grey with alpha", Encode(png, new PngEncoder { ColorType = PngColorType.GrayscaleWithAlpha }), Ok);
        Png("1-bit grey", Encode(png, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit1 }), Ok);
        Png("interlaced (Adam7)", Encode(png, new PngEncoder { InterlaceMethod = PngInterlaceMode.Adam7 }), Ok);
        Png("a digit drawn on transparency", DigitImages.OneOnTransparency(), Ok);
        list.Add(new("png labelled image/jpeg", "image/jpeg", png, "body", Ok));
        list.Add(new("png as application/octet-stream", "application/octet-stream", png, "body", Ok));

        var scan = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xDA]);
        var scanData = scan + 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(scan + 2));
        Jpeg("start marker only", jpeg[..2], Bad);
        Jpeg("cut inside the headers", jpeg[..30], Bad);
        Jpeg("headers, no scan data", jpeg[..scanData], Ok, Bad);
        Jpeg("cut inside the scan", jpeg[..((scanData + jpeg.Length) / 2)], Ok, Bad);
        Jpeg("no end marker", jpeg[..^2], Ok);
        Jpeg("frame claiming 65535×65535", DigitImages.JpegClaiming(65_535, 65_535), TooLarge);
        Jpeg("frame claiming 0 rows", DigitImages.JpegClaiming(64, 0), Bad);
        Jpeg("900 kB of metadata segments", WithMetadata(jpeg, 14), Ok);
        Jpeg("Exif segment of garbage", WithExifGarbage(jpeg), Ok, Bad);
        Jpeg("progressive", GreyJpeg.Write(Grey(png), 64, 64, progressive: true), Ok);
        Jpeg("baseline grey, hand-written", GreyJpeg.Write(Grey(png), 64, 64, progressive: false), Ok);
        Jpeg("luminance only", Encode(png, new JpegEncoder { ColorType = JpegColorType.Luminance }), Ok);
        Jpeg("colour 4:2:0", Encode(png, new JpegEncoder { ColorType = JpegColorType.YCbCrRatio420 }), Ok);
        Jpeg("a 1024×1024 photo", DigitImages.SevenPhoto(1024), Ok);

        Other("GIF labelled image/png", Encode(png, new GifEncoder()), Unsupported);
        Other("TIFF labelled image/png", Encode(png, new TiffEncoder()), Unsupported);
        Other("BMP labelled image/png", Encode(png, new BmpEncoder()), Unsupported);
        Other("WebP labelled image/png", Encode(png, new WebpEncoder()), Unsupported);
        Other("SVG labelled image/png", Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\"><path d=\"M10 10 L50 10 L25 60\" stroke=\"black\"/></svg>"), Unsupported);
        Other("HEIC labelled image/png", [0, 0, 0, 24, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8, .. new byte[32]], Unsupported);
        Other("ICO labelled image/png", [0, 0, 1, 0, 1, 0, 16, 16, .. new byte[40]], Unsupported);
        Other("text labelled image/png", "this is a seven, honestly"u8.ToArray(), Bad);
        Other("empty body", [], Bad);
        Other("a PNG signature then text", [.. png[..8], .. "and then nothing like a chunk"u8], Bad);

        var boundary = "crafted-boundary";
        var formType = $"multipart/form-data; boundary={boundary}";
        list.Add(new("form: truncated to a few bytes", formType, Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disp"), "file", Bad));
        list.Add(new("form: no boundary", "multipart/form-data", Form(boundary, "file", "image/png", png), "file", Bad));
        list.Add(new("form: no closing boundary", formType, Form(boundary, "file", "image/png", png)[..^(boundary.Length + 6)], "file", Bad));
        list.Add(new("form: a text field, no file", formType, Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nseven\r\n--{boundary}--\r\n"), "file", Bad));
        list.Add(new("form: empty file", formType, Form(boundary, "file", "image/png", []), "file", Bad));
        list.Add(new("form: GIF file", formType, Form(boundary, "file", "image/gif", Encode(png, new GifEncoder())), "file", Unsupported));
        list.Add(new("form: PNG file", formType, Form(boundary, "file", "image/png", png), "file", Ok));

        // Seeded bit flips past the signature: a digit, a 400, or (a flip in the size) a 413.
        var random = new Random(17);
        foreach (var (format, original, from) in new[] { ("png", png, 8), ("jpeg", jpeg, 2) })
        {
            for (var i = 0; i < BitFlipsPerFormat; i++)
            {
                var flipped = (byte[])original.Clone();
                var flips = random.Next(1, 5);
                for (var f = 0; f < flips; f++)
                {
                    flipped[random.Next(from, flipped.Length)] ^= (byte)(1 << random.Next(8));
                }

                list.Add(new($"{format}: bit flips #{i}", $"image/{format}", flipped, "body", Ok, Bad, TooLarge));
            }
        }

        return list;
    }

    /// <summary>Where the first chunk of <paramref name="type"/> starts (its length field).</summary>
    private static int ChunkOffset(byte[] png, string type)
    {
        for (var at = 8; at + 8 <= png.Length; at += 12 + BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at)))
        {
            if (Encoding.ASCII.GetString(png, at + 4, 4) == type)
            {
                return at;
            }
        }

        throw new InvalidOperationException($"no {type} chunk");
    }

    private static byte[] WithChunkBeforeData(byte[] png, string type, byte[] data)
    {
        var at = ChunkOffset(png, "IDAT");
        using var output = new MemoryStream();
        output.Write(png, 0, at);
        DigitImages.Chunk(output, type, data);
        output.Write(png, at, png.Length - at);
        return output.ToArray();
    }

    private static byte[] Flip(byte[] data, int at)
    {
        var copy = (byte[])data.Clone();
        copy[at] ^= 0x5A;
        return copy;
    }

    private static byte[] With(byte[] data, int at, int value)
    {
        var copy = (byte[])data.Clone();
        BinaryPrimitives.WriteInt32BigEndian(copy.AsSpan(at), value);
        return copy;
    }

    /// <summary>A grey PNG whose one row of zeros, repeated, deflates to a few kilobytes.</summary>
    private static byte[] Bomb(int width, int height)
    {
        using var zeros = new MemoryStream();
        using (var zlib = new System.IO.Compression.ZLibStream(zeros, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var row = new byte[width + 1];
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        return DigitImages.Png(width, height, 8, 0, zeros.ToArray());
    }

    private static byte[] Encode(byte[] png, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var image = Image.Load<Rgba32>(png);
        return DigitImages.Encode(image, encoder);
    }

    private static byte[] Grey(byte[] png)
    {
        using var image = Image.Load<L8>(png);
        var pixels = new byte[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return pixels;
    }

    /// <summary>The JPEG with <paramref name="segments"/> comment segments of the largest size a segment can have, after its start marker.</summary>
    private static byte[] WithMetadata(byte[] jpeg, int segments)
    {
        using var output = new MemoryStream();
        output.Write(jpeg, 0, 2);
        var filler = Enumerable.Repeat((byte)'x', 65_533).ToArray();
        for (var i = 0; i < segments; i++)
        {
            output.Write([0xFF, (byte)(i % 2 == 0 ? 0xFE : 0xEF), 0xFF, 0xFF]);
            output.Write(filler);
        }

        output.Write(jpeg, 2, jpeg.Length - 2);
        return output.ToArray();
    }

    private static byte[] WithExifGarbage(byte[] jpeg)
    {
        var garbage = new byte[4096];
        new Random(3).NextBytes(garbage);
        byte[] segment = [0xFF, 0xE1, (byte)((garbage.Length + 8) >> 8), (byte)(garbage.Length + 8), .. "Exif\0\0"u8, .. garbage];
        return [.. jpeg[..2], .. segment, .. jpeg[2..]];
    }

    private static byte[] Form(string boundary, string name, string contentType, byte[] file)
    {
        using var form = new MemoryStream();
        form.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"upload\"\r\nContent-Type: {contentType}\r\n\r\n"));
        form.Write(file);
        form.Write(Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"));
        return form.ToArray();
    }
}
