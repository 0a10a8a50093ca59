using System.Buffers;
using System.Runtime.CompilerServices;
using SixLabors.ImageSharp.Memory;

namespace VaeWeb.Imaging;

/// <summary>
/// ImageSharp's allocator for one upload: every buffer the decoder (and the resizing after it)
/// asks for is counted while it is alive, and an allocation that would take the total past
/// <c>Vae:Limits:MaxDecodeBytes</c> fails with <see cref="InvalidMemoryOperationException"/>, which
/// ImageSharp reports as an image it cannot decode. The header check already bounds the pixel
/// buffer; this bounds what a decoder needs beside it (a progressive JPEG keeps every coefficient).
/// </summary>
public sealed class DecodeBudget(MemoryAllocator pool, long maxBytes) : MemoryAllocator
{
    private long live;
    private long peak;

    public long MaxBytes { get; } = maxBytes;

    /// <summary>The bytes held now.</summary>
    public long LiveBytes => Interlocked.Read(ref live);

    /// <summary>The most bytes held at once so far.</summary>
    public long PeakBytes => Interlocked.Read(ref peak);

    /// <summary>
    /// One contiguous buffer per image: rows never straddle buffers, and a decoded image's pixels
    /// can be read as one span. The budget, not a block size, is what bounds an allocation.
    /// </summary>
    protected override int GetBufferCapacityInBytes() => int.MaxValue;

    public override IMemoryOwner<T> Allocate<T>(int length, AllocationOptions options = AllocationOptions.None)
    {
        var bytes = (long)Math.Max(0, length) * Unsafe.SizeOf<T>();
        var now = Interlocked.Add(ref live, bytes);
        if (now > MaxBytes)
        {
            Interlocked.Add(ref live, -bytes);
            throw new InvalidMemoryOperationException(
                $"Decoding needs more than {MaxBytes:N0} bytes (Vae:Limits:MaxDecodeBytes); {now - bytes:N0} are in use and {bytes:N0} more were asked for.");
        }

        RaisePeak(now);
        try
        {
            return new Counted<T>(pool.Allocate<T>(length, options), this, bytes);
        }
        catch
        {
            Interlocked.Add(ref live, -bytes);
            throw;
        }
    }

    private void RaisePeak(long now)
    {
        long seen;
        while (now > (seen = Interlocked.Read(ref peak)) && Interlocked.CompareExchange(ref peak, now, seen) != seen)
        {
        }
    }

    private sealed class Counted<T>(IMemoryOwner<T> buffer, DecodeBudget budget, long bytes) : IMemoryOwner<T>
    {
        private int disposed;

        public Memory<T> Memory => buffer.Memory;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0)
            {
                buffer.Dispose();
                Interlocked.Add(ref budget.live, -bytes);
            }
        }
    }
}
