namespace VaeWeb.Training;

/// <summary>
/// A write-only stream in front of the response body for <see cref="System.IO.Compression.ZipArchive"/>:
/// asynchronous writes go straight through, synchronous ones are held until <see cref="DrainAsync"/>.
/// </summary>
/// <remarks>
/// Why: even through its asynchronous API, the zip writer of .NET 10 disposes an entry's stream
/// synchronously (the last deflate block and the entry's data descriptor), and ASP.NET Core refuses
/// synchronous writes to a response. What is held is at most those few kilobytes per entry, and the
/// central directory at the end.
/// </remarks>
public sealed class AsyncSpoolStream(Stream target) : Stream
{
    private readonly MemoryStream held = new();
    private long position;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => position;
        set => throw new NotSupportedException();
    }

    /// <summary>Sends what synchronous writes left behind.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (held.Length == 0)
        {
            return;
        }

        await target.WriteAsync(held.GetBuffer().AsMemory(0, (int)held.Length), cancellationToken);
        held.SetLength(0);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        held.Write(buffer, offset, count);
        position += count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await DrainAsync(cancellationToken);
        await target.WriteAsync(buffer, cancellationToken);
        position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
        // Held bytes go out on the next asynchronous write or drain.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => DrainAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            held.Dispose();
        }

        base.Dispose(disposing);
    }
}
