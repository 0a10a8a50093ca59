using System.Buffers.Binary;

namespace VaeWeb.Tests.Imaging;

/// <summary>
/// A small greyscale JPEG writer, baseline or progressive (spectral selection: a DC scan, then one
/// scan of the 63 AC coefficients). ImageSharp 2.x encodes baseline only, and the tests need a
/// progressive file without a binary blob in the repository.
/// </summary>
public static class GreyJpeg
{
    private const int Quantiser = 4;

    public static byte[] Write(byte[] grey, int width, int height, bool progressive)
    {
        var blocks = Blocks(grey, width, height);
        using var jpeg = new MemoryStream();
        Marker(jpeg, 0xD8);
        Segment(jpeg, 0xDB, [0x00, .. Enumerable.Repeat((byte)Quantiser, 64)]);
        Span<byte> frame = stackalloc byte[9];
        frame[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(frame[1..], (ushort)height);
        BinaryPrimitives.WriteUInt16BigEndian(frame[3..], (ushort)width);
        frame[5] = 1; // one component: id 1, no subsampling, quantisation table 0
        frame[6] = 1;
        frame[7] = 0x11;
        frame[8] = 0;
        Segment(jpeg, progressive ? (byte)0xC2 : (byte)0xC0, frame.ToArray());
        Segment(jpeg, 0xC4, Table(0x00, DcSymbols, codeLength: 4));
        Segment(jpeg, 0xC4, Table(0x10, AcSymbols, codeLength: 8));
        if (progressive)
        {
            Scan(jpeg, blocks, first: 0, last: 0);
            Scan(jpeg, blocks, first: 1, last: 63);
        }
        else
        {
            Scan(jpeg, blocks, first: 0, last: 63);
        }

        Marker(jpeg, 0xD9);
        return jpeg.ToArray();
    }

    /// <summary>DC size categories 0–11.</summary>
    private static byte[] DcSymbols => [.. Enumerable.Range(0, 12).Select(s => (byte)s)];

    /// <summary>End of block, sixteen zeros, and every (zero run, size) pair.</summary>
    private static byte[] AcSymbols => [0x00, 0xF0, .. from run in Enumerable.Range(0, 16) from size in Enumerable.Range(1, 10) select (byte)((run << 4) | size)];

    /// <summary>A table giving every symbol a code of the same length (canonical codes 0, 1, 2, …; never all ones).</summary>
    private static byte[] Table(byte classAndId, byte[] symbols, int codeLength)
    {
        var counts = new byte[16];
        counts[codeLength - 1] = (byte)symbols.Length;
        return [classAndId, .. counts, .. symbols];
    }

    private static void Scan(Stream jpeg, List<int[]> blocks, int first, int last)
    {
        // Component 1 with tables 0/0, the band first..last, no successive approximation.
        Segment(jpeg, 0xDA, [1, 1, 0x00, (byte)first, (byte)last, 0]);
        var bits = new BitWriter(jpeg);
        var previousDc = 0;
        foreach (var block in blocks)
        {
            if (first == 0)
            {
                var diff = block[0] - previousDc;
                previousDc = block[0];
                var size = Size(diff);
                bits.Write(Array.IndexOf(DcSymbols, (byte)size), 4);
                bits.Write(Magnitude(diff, size), size);
            }

            if (last == 0)
            {
                continue;
            }

            var run = 0;
            for (var k = Math.Max(1, first); k <= last; k++)
            {
                if (block[k] == 0)
                {
                    run++;
                    continue;
                }

                for (; run >= 16; run -= 16)
                {
                    bits.Write(Array.IndexOf(AcSymbols, (byte)0xF0), 8);
                }

                var size = Size(block[k]);
                bits.Write(Array.IndexOf(AcSymbols, (byte)((run << 4) | size)), 8);
                bits.Write(Magnitude(block[k], size), size);
                run = 0;
            }

            if (run > 0)
            {
                bits.Write(Array.IndexOf(AcSymbols, (byte)0x00), 8);
            }
        }

        bits.Flush();
    }

    /// <summary>Quantised coefficients of each 8×8 block in zig-zag order, edges repeated to fill the last blocks.</summary>
    private static List<int[]> Blocks(byte[] grey, int width, int height)
    {
        var zigzag = ZigZag();
        var blocks = new List<int[]>();
        for (var by = 0; by < (height + 7) / 8; by++)
        {
            for (var bx = 0; bx < (width + 7) / 8; bx++)
            {
                var natural = new int[64];
                for (var v = 0; v < 8; v++)
                {
                    for (var u = 0; u < 8; u++)
                    {
                        double sum = 0;
                        for (var y = 0; y < 8; y++)
                        {
                            for (var x = 0; x < 8; x++)
                            {
                                var sample = grey[(Math.Min((by * 8) + y, height - 1) * width) + Math.Min((bx * 8) + x, width - 1)] - 128;
                                sum += sample * Math.Cos(((2 * x) + 1) * u * Math.PI / 16) * Math.Cos(((2 * y) + 1) * v * Math.PI / 16);
                            }
                        }

                        var cu = u == 0 ? Math.Sqrt(0.5) : 1;
                        var cv = v == 0 ? Math.Sqrt(0.5) : 1;
                        natural[(v * 8) + u] = (int)Math.Round(0.25 * cu * cv * sum / Quantiser);
                    }
                }

                blocks.Add([.. zigzag.Select(i => natural[i])]);
            }
        }

        return blocks;
    }

    private static int[] ZigZag()
    {
        var order = new List<int>();
        for (var s = 0; s < 15; s++)
        {
            var rows = Enumerable.Range(Math.Max(0, s - 7), Math.Min(s, 7) - Math.Max(0, s - 7) + 1);
            order.AddRange((s % 2 == 0 ? rows.Reverse() : rows).Select(r => (r * 8) + s - r));
        }

        return [.. order];
    }

    private static int Size(int value) => value == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)Math.Abs(value));

    private static int Magnitude(int value, int size) => value >= 0 ? value : value + (1 << size) - 1;

    private static void Marker(Stream jpeg, byte marker)
    {
        jpeg.WriteByte(0xFF);
        jpeg.WriteByte(marker);
    }

    private static void Segment(Stream jpeg, byte marker, byte[] body)
    {
        Marker(jpeg, marker);
        jpeg.WriteByte((byte)((body.Length + 2) >> 8));
        jpeg.WriteByte((byte)(body.Length + 2));
        jpeg.Write(body);
    }

    /// <summary>Entropy-coded bits, most significant first, with a zero stuffed after every 0xFF byte.</summary>
    private sealed class BitWriter(Stream output)
    {
        private int buffer;
        private int count;

        public void Write(int value, int length)
        {
            for (var i = length - 1; i >= 0; i--)
            {
                buffer = (buffer << 1) | ((value >> i) & 1);
                if (++count == 8)
                {
                    Emit();
                }
            }
        }

        public void Flush()
        {
            while (count != 0)
            {
                Write(1, 1);
            }
        }

        private void Emit()
        {
            output.WriteByte((byte)buffer);
            if (buffer == 0xFF)
            {
                output.WriteByte(0x00);
            }

            (buffer, count) = (0, 0);
        }
    }
}
