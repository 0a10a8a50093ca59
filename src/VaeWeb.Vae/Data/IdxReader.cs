using System.Buffers.Binary;
using System.IO.Compression;

namespace VaeWeb.Vae.Data;

/// <summary>A file that is not a well-formed IDX file of the expected kind.</summary>
public sealed class IdxFormatException(string path, string problem)
    : Exception($"{Path.GetFileName(path)}: {problem}")
{
    public string FilePath { get; } = path;

    public string Problem { get; } = problem;
}

/// <summary>
/// Reads the IDX format of MNIST and its relatives (Fashion-MNIST, KMNIST, EMNIST), raw or gzip.
/// Header: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions, then one
/// big-endian 32-bit size per dimension; the data follow, row-major.
/// </summary>
public static class IdxReader
{
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an images file (3 dimensions): count × rows × columns bytes.</summary>
    public static IdxImages ReadImages(string path)
    {
        var (dims, data) = Read(path, expectedDimensions: 3);
        return new IdxImages(dims[0], dims[1], dims[2], data);
    }

    /// <summary>Reads a labels file (1 dimension).</summary>
    public static byte[] ReadLabels(string path)
    {
        var (_, data) = Read(path, expectedDimensions: 1);
        return data;
    }

    private static (int[] Dims, byte[] Data) Read(string path, int expectedDimensions)
    {
        byte[] bytes;
        try
        {
            bytes = ReadAllBytesMaybeGzip(path);
        }
        catch (InvalidDataException e)
        {
            throw new IdxFormatException(path, $"the gzip stream is damaged or truncated ({e.Message})");
        }
        catch (EndOfStreamException)
        {
            throw new IdxFormatException(path, "the gzip stream is truncated");
        }

        if (bytes.Length < 4)
        {
            throw new IdxFormatException(path, $"the file is {bytes.Length} bytes long, too short for an IDX header");
        }

        if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != UnsignedByte || bytes[3] != expectedDimensions)
        {
            var magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            var expected = (uint)(UnsignedByte << 8 | expectedDimensions);
            throw new IdxFormatException(path, $"wrong magic number 0x{magic:X8}; expected 0x{expected:X8} (unsigned bytes, {expectedDimensions} dimension{(expectedDimensions == 1 ? "" : "s")})");
        }

        var headerLength = 4 + 4 * expectedDimensions;
        if (bytes.Length < headerLength)
        {
            throw new IdxFormatException(path, $"the header is truncated: {bytes.Length} bytes, {headerLength} needed");
        }

        var dims = new int[expectedDimensions];
        long expectedLength = 1;
        for (var i = 0; i < expectedDimensions; i++)
        {
            var size = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * i));
            if (size <= 0)
            {
                throw new IdxFormatException(path, $"dimension {i} has size {size}; sizes must be positive");
            }

            dims[i] = size;
            expectedLength *= size;
        }

        var actual = bytes.Length - headerLength;
        if (actual != expectedLength)
        {
            var what = actual < expectedLength ? "truncated" : "longer than its header says";
            throw new IdxFormatException(path, $"the file is {what}: the header promises {expectedLength:N0} data bytes ({string.Join('×', dims)}) but {actual:N0} follow");
        }

        return (dims, bytes[headerLength..]);
    }

    private static byte[] ReadAllBytesMaybeGzip(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> signature = stackalloc byte[2];
        var read = file.ReadAtLeast(signature, 2, throwOnEndOfStream: false);
        file.Position = 0;
        // gzip streams start with 1F 8B; IDX files start with two zero bytes, so the check is unambiguous.
        var isGzip = read == 2 && signature[0] == 0x1F && signature[1] == 0x8B;
        using var buffer = new MemoryStream();
        if (isGzip)
        {
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            gzip.CopyTo(buffer);
        }
        else
        {
            file.CopyTo(buffer);
        }

        return buffer.ToArray();
    }
}

/// <summary>Images as read from an IDX file: <see cref="Count"/> row-major images of bytes 0–255.</summary>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels);
