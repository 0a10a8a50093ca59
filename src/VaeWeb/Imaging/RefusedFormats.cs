using System.Text;

namespace VaeWeb.Imaging;

/// <summary>
/// Names the image formats the service refuses, from their first bytes alone, so that such an
/// upload is answered 415 with the accepted types rather than 400 "not an image". Nothing here
/// decodes: the decoder configuration holds only PNG and JPEG, so these bytes never reach one.
/// </summary>
public static class RefusedFormats
{
    private static ReadOnlySpan<byte> JpegXlCodestream => [0xFF, 0x0A];

    private static ReadOnlySpan<byte> JpegXlBox => [0x00, 0x00, 0x00, 0x0C, (byte)'J', (byte)'X', (byte)'L', (byte)' '];

    private static ReadOnlySpan<byte> Jpeg2000Box => [0x00, 0x00, 0x00, 0x0C, (byte)'j', (byte)'P', (byte)' ', (byte)' '];

    private static ReadOnlySpan<byte> Jpeg2000Codestream => [0xFF, 0x4F, 0xFF, 0x51];

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static readonly string[] IsoMediaImageBrands = ["heic", "heix", "hevc", "heim", "heis", "mif1", "msf1", "avif", "avis"];

    /// <summary>The format's name when <paramref name="data"/> starts like an image format other than PNG or JPEG; otherwise null.</summary>
    public static string? Recognise(ReadOnlySpan<byte> data)
    {
        if (data.StartsWith("GIF87a"u8) || data.StartsWith("GIF89a"u8))
        {
            return "GIF";
        }

        // "BM", the file size, then two reserved 16-bit fields that are always zero.
        if (data.Length >= 14 && data.StartsWith("BM"u8) && data.Slice(6, 4).IndexOfAnyExcept((byte)0) < 0)
        {
            return "BMP";
        }

        if (data.StartsWith("II*\0"u8) || data.StartsWith("MM\0*"u8) || data.StartsWith("II+\0"u8) || data.StartsWith("MM\0+"u8))
        {
            return "TIFF";
        }

        if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return "WebP";
        }

        // ISO base media files (HEIF from phone cameras, AVIF): a box of type "ftyp" naming an image brand.
        if (data.Length >= 12 && data.Slice(4, 4).SequenceEqual("ftyp"u8)
            && IsoMediaImageBrands.Contains(Encoding.ASCII.GetString(data.Slice(8, 4))))
        {
            return "HEIF/AVIF";
        }

        if (data.StartsWith(JpegXlCodestream) || data.StartsWith(JpegXlBox))
        {
            return "JPEG XL";
        }

        if (data.StartsWith(Jpeg2000Box) || data.StartsWith(Jpeg2000Codestream))
        {
            return "JPEG 2000";
        }

        if (data.StartsWith("8BPS"u8))
        {
            return "Photoshop";
        }

        if (data.StartsWith("qoif"u8))
        {
            return "QOI";
        }

        // Icons: reserved 0, type 1 (icon) or 2 (cursor), then at least one image.
        if (data.Length >= 6 && data[0] == 0 && data[1] == 0 && data[2] is 1 or 2 && data[3] == 0 && (data[4] | data[5]) != 0)
        {
            return "ICO";
        }

        if (data.Length >= 3 && data[0] == 'P' && data[1] is >= (byte)'1' and <= (byte)'7' && data[2] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            return "Netpbm";
        }

        return LooksLikeSvg(data) ? "SVG" : null;
    }

    /// <summary>SVG is XML text: an <c>&lt;svg</c> element near the start, perhaps after a BOM, an XML declaration or a doctype.</summary>
    private static bool LooksLikeSvg(ReadOnlySpan<byte> data)
    {
        var head = data[..Math.Min(data.Length, 4096)];
        if (head.StartsWith(Utf8Bom))
        {
            head = head[3..];
        }

        head = head.TrimStart(" \t\r\n"u8);
        return head.StartsWith("<"u8) && head.IndexOf("<svg"u8) >= 0;
    }
}
