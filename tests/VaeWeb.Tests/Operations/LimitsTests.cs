using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SixLabors.ImageSharp.Memory;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Limits;
using VaeWeb.Tests.Imaging;
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
        var png = DigitImages.PngClaiming(100_000, 100_000);
        var budget = new DecodeBudget(MemoryAllocator.Default, new LimitsOptions().MaxDecodeBytes);
        var before = GC.GetAllocatedBytesForCurrentThread();

        var e = Assert.Throws<ImageInputException>(() => UploadDecoder.Decode(png, new LimitsOptions(), "body", budget, CancellationToken.None));

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(png.Length < 100);
        Assert.Equal(413, e.StatusCode);
        Assert.Contains("100000×100000", e.Message, StringComparison.Ordinal);
        Assert.True(budget.PeakBytes < 64 * 1024, $"the decoder held {budget.PeakBytes} bytes");
        Assert.True(allocated < 256 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void A_jpeg_header_declaring_4000_by_3000_is_refused_under_a_one_megapixel_limit()
    {
        var jpeg = DigitImages.JpegClaiming(4000, 3000);
        var limits = new LimitsOptions { MaxUploadPixels = 1000 * 1000 };

        var e = Assert.Throws<ImageInputException>(() => UploadDecoder.Decode(jpeg, limits, "file", CancellationToken.None));

        Assert.Equal(413, e.StatusCode);
        Assert.Equal("file", e.Field);
        Assert.Contains("4000×3000", e.Message, StringComparison.Ordinal);
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
