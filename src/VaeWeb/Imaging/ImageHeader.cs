using System.Buffers.Binary;

namespace VaeWeb.Imaging;

/// <summary>
/// The size an uploaded PNG or JPEG declares, read from its header bytes alone. Checking it
/// before decoding means a few-hundred-byte file claiming 100000×100000 pixels costs nothing,
/// instead of a 40 GB allocation inside the decoder.
/// </summary>
public static class ImageHeader
{
    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Null when the image is within <paramref name="maxPixels"/>; otherwise the message for the refusal.</summary>
    public static string? CheckPixels(ReadOnlySpan<byte> data, long maxPixels)
    {
        if (!TryReadSize(data, out var width, out var height))
        {
            return null; // Not a PNG or JPEG header we can read: the decoder reports what is wrong.
        }

        var pixels = (long)width * height;
        return pixels > maxPixels
            ? $"The image declares {width}×{height} = {pixels} pixels; at most {maxPixels} are accepted (Vae:Limits:MaxUploadPixels)."
            : null;
    }

    /// <summary>Reads the declared width and height of a PNG (IHDR) or a JPEG (first SOF marker).</summary>
    public static bool TryReadSize(ReadOnlySpan<byte> data, out int width, out int height)
    {
        width = height = 0;
        if (data.Length >= 24 && data[..8].SequenceEqual(PngSignature) && data.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            width = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data.Slice(16, 4)));
            height = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data.Slice(20, 4)));
            return true;
        }

        return data.Length >= 4 && data[0] == 0xFF && data[1] == 0xD8 && TryReadJpegSize(data, out width, out height);
    }

    private static bool TryReadJpegSize(ReadOnlySpan<byte> data, out int width, out int height)
    {
        width = height = 0;
        var i = 2;
        while (i + 4 <= data.Length)
        {
            if (data[i] != 0xFF)
            {
                return false;
            }

            var marker = data[i + 1];
            if (marker == 0xFF)
            {
                i++; // fill byte
                continue;
            }

            if (marker is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7))
            {
                i += 2; // markers without a length
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 2, 2));
            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (i + 9 > data.Length)
                {
                    return false;
                }

                height = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 5, 2));
                width = BinaryPrimitives.ReadUInt16BigEndian(data.Slice(i + 7, 2));
                return true;
            }

            i += 2 + length;
        }

        return false;
    }
}
