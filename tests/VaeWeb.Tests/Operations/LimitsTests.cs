using System.Buffers.Binary;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using VaeWeb.Imaging;
using VaeWeb.Limits;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Operations;

public class LimitsTests
{
    [Fact]
    public async Task A_body_over_the_upload_limit_is_413_naming_the_limit()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Limits:MaxUploadBytes"] = "4096" });
        using var client = factory.CreateClient();
        var json = "{\"epochs\":1,\"pad\":\"" + new string('x', 8192) + "\"}";
        using var content = new StringContent(json, Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("/train", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("4096", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_tiny_png_claiming_100000_by_100000_pixels_is_refused_from_its_header_with_little_memory()
    {
        var png = PngHeader(100_000, 100_000);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var problem = ImageHeader.CheckPixels(png, maxPixels: 4096L * 4096);

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(png.Length < 100);
        Assert.NotNull(problem);
        Assert.Contains("100000×100000", problem, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"allocated {allocated} bytes");
        Assert.Null(ImageHeader.CheckPixels(PngHeader(28, 28), maxPixels: 4096L * 4096));
    }

    [Fact]
    public void A_jpeg_header_declares_its_size()
    {
        // SOI, APP0 (length 16), SOF0 with height 3000 and width 4000.
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, .. new byte[14], 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x0B, 0xB8, 0x0F, 0xA0, 0x01];

        Assert.True(ImageHeader.TryReadSize(jpeg, out var width, out var height));
        Assert.Equal((4000, 3000), (width, height));
        Assert.NotNull(ImageHeader.CheckPixels(jpeg, maxPixels: 1000 * 1000));
    }

    [Fact]
    public async Task When_the_compute_limiter_and_its_queue_are_full_clients_get_429_with_retry_after()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?>
        {
            ["Vae:Limits:ComputeConcurrency"] = "1",
            ["Vae:Limits:ComputeQueue"] = "1",
            ["Vae:Limits:RetryAfter"] = "00:00:02",
        });
        using var client = factory.CreateClient();
        var limiter = factory.Services.GetRequiredService<ComputeLimiter>().Limiter;

        // Hold the only slot, as a long request would; the next request waits in the queue.
        var held = await limiter.AcquireAsync(1);
        Assert.True(held.IsAcquired);
        var queued = client.GetAsync("/samples?n=1");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (limiter.GetStatistics()!.CurrentQueuedCount == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        using var refused = await client.GetAsync("/samples?n=1");
        held.Dispose();
        using var served = await queued;

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        // The queued request reached the endpoint once the slot was free (no model yet in this host: 503).
        Assert.Equal(HttpStatusCode.ServiceUnavailable, served.StatusCode);
        using var notLimited = await client.GetAsync("/train");
        Assert.Equal(HttpStatusCode.OK, notLimited.StatusCode);
    }

    private static byte[] PngHeader(int width, int height)
    {
        // Signature and an IHDR chunk: all a decoder needs to learn the size it would allocate.
        var png = new byte[33];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(8), 13);
        "IHDR"u8.CopyTo(png.AsSpan(12));
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        png[24] = 8; // bit depth
        png[25] = 0; // grayscale
        return png;
    }
}

public class LimitsValidationTests
{
    [Fact]
    public void A_limit_out_of_range_stops_start_up_naming_its_key()
    {
        using var factory = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Limits:ComputeQueue"] = "-1" });

        var error = Record.Exception(() => factory.CreateClient());

        Assert.NotNull(error);
        Assert.Contains("Vae:Limits:ComputeQueue", error.ToString(), StringComparison.Ordinal);
    }
}
