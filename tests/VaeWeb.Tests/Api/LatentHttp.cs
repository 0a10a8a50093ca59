using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Api;

/// <summary>Small helpers for the latent-space HTTP tests.</summary>
public static class LatentHttp
{
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body, VaeWebFactory.Json), Encoding.UTF8, "application/json");

    public static ByteArrayContent Bytes(byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return content;
    }

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public static double SquaredError(float[] a, float[] b) => a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum();

    /// <summary>Asserts a problem+json answer with <paramref name="status"/> whose errors name <paramref name="field"/>.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("errors", out var errors), $"no errors in {text}");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors do not name '{field}': {text}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
    }

    /// <summary>The PNG's size in pixels, after checking its signature.</summary>
    public static async Task<(int Width, int Height)> PngSizeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, bytes[..4]);
        // The header's size, and the pixels decode: a PNG a browser can show.
        using var image = SixLabors.ImageSharp.Image.Load(bytes);
        return (image.Width, image.Height);
    }
}
