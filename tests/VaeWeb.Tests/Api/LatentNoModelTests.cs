using System.Net;
using VaeWeb.Tests.Infrastructure;
using static VaeWeb.Tests.Api.LatentHttp;

namespace VaeWeb.Tests.Api;

/// <summary>Before the first epoch there is no model: the latent endpoints say so with 503, the data set is still readable.</summary>
public sealed class LatentNoModelTests : IDisposable
{
    private readonly VaeWebFactory factory = new();
    private readonly HttpClient client;

    public LatentNoModelTests() => client = factory.CreateClient();

    [Theory]
    [InlineData("POST", "/decode", "{\"z\":[0,0,0,0,0,0,0,0]}")]
    [InlineData("POST", "/interpolate", "{\"from\":{\"index\":0},\"to\":{\"index\":1}}")]
    [InlineData("POST", "/evaluate", "{}")]
    [InlineData("POST", "/explain", "{\"index\":0}")]
    [InlineData("GET", "/latent-map", null)]
    [InlineData("GET", "/model", null)]
    public async Task Latent_endpoints_answer_503_without_a_model(string method, string path, string? json)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = json is null ? null : Json(json) };
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_data_set_is_readable_without_a_model()
    {
        var json = await ReadJsonAsync(await client.GetAsync("/dataset/test/0?format=json"));
        Assert.Equal(784, json.GetProperty("pixels").GetArrayLength());
    }

    public void Dispose()
    {
        client.Dispose();
        factory.Dispose();
    }
}
