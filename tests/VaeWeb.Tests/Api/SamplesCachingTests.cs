using System.Net;
using System.Net.Http.Headers;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Api;

/// <summary>A seeded sample grid is the same bytes until the model changes: ETag, Cache-Control, 304.</summary>
[Collection(TrainedServiceCollection.Name)]
public class SamplesCachingTests(TrainedServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Fact]
    public async Task A_seeded_png_carries_an_etag_naming_the_model_version_and_must_be_revalidated()
    {
        using var response = await Client.GetAsync("/samples?n=16&seed=5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.Contains(service.Run.ModelVersion!, etag.Tag, StringComparison.Ordinal);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.Contains("Accept", response.Headers.Vary);
    }

    [Fact]
    public async Task If_none_match_with_the_current_etag_is_a_304_without_a_body()
    {
        using var first = await Client.GetAsync("/samples?n=9&seed=11");
        var etag = first.Headers.ETag!;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/samples?n=9&seed=11");
        request.Headers.IfNoneMatch.Add(etag);
        using var again = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal(etag, again.Headers.ETag);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(service.Run.ModelVersion, again.Headers.GetValues("X-Model-Version").Single());
    }

    [Fact]
    public async Task An_etag_of_another_seed_count_or_format_does_not_match()
    {
        using var png = await Client.GetAsync("/samples?n=4&seed=21");
        var etag = png.Headers.ETag!;

        foreach (var url in new[] { "/samples?n=4&seed=22", "/samples?n=5&seed=21", "/samples?n=4&seed=21&format=json" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.IfNoneMatch.Add(etag);
            using var response = await Client.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotEqual(etag, response.Headers.ETag);
        }
    }

    [Fact]
    public async Task Repeated_seeded_requests_return_identical_bytes_in_both_formats()
    {
        var png1 = await Client.GetByteArrayAsync("/samples?n=16&seed=31");
        var png2 = await Client.GetByteArrayAsync("/samples?n=16&seed=31");
        var json1 = await Client.GetStringAsync("/samples?n=3&seed=31&format=json");
        var json2 = await Client.GetStringAsync("/samples?n=3&seed=31&format=json");

        Assert.Equal(png1, png2);
        Assert.Equal((112, 112), Png.Size(png1));
        Assert.Equal(json1, json2);
    }

    [Fact]
    public async Task An_unseeded_draw_is_not_stored_and_has_no_etag()
    {
        using var response = await Client.GetAsync("/samples?n=4");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore);
        Assert.Null(response.Headers.ETag);
    }
}

public class SamplesCachingAcrossVersionsTests
{
    [Fact]
    public async Task A_new_model_version_answers_an_old_etag_with_fresh_images_and_a_new_etag()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        await factory.TrainAsync(client, new { epochs = 1, seed = 1 });
        using var before = await client.GetAsync("/samples?n=4&seed=2");
        var oldTag = before.Headers.ETag!;
        var oldBytes = await before.Content.ReadAsByteArrayAsync();

        var second = await factory.TrainAsync(client, new { epochs = 1, seed = 3 });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/samples?n=4&seed=2");
        request.Headers.IfNoneMatch.Add(oldTag);
        using var after = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(oldTag, after.Headers.ETag);
        Assert.Contains(second.ModelVersion!, after.Headers.ETag!.Tag, StringComparison.Ordinal);
        Assert.NotEqual(oldBytes, await after.Content.ReadAsByteArrayAsync());
    }
}
