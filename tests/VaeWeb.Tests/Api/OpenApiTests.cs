using System.Text.Json;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Api;

public class OpenApiTests
{
    [Theory]
    [InlineData("/train", "post", new[] { "202", "400", "403", "409" })]
    [InlineData("/evaluate", "post", new[] { "200", "400", "403" })]
    [InlineData("/train", "get", new[] { "200" })]
    [InlineData("/train", "delete", new[] { "202", "403", "404" })]
    [InlineData("/train/events", "get", new[] { "200" })]
    [InlineData("/samples", "get", new[] { "200", "400", "503" })]
    [InlineData("/runs/{id}", "get", new[] { "200", "404" })]
    [InlineData("/runs/compare", "get", new[] { "200", "400", "404" })]
    public async Task The_openapi_document_lists_each_endpoint_with_its_status_codes(string path, string method, string[] statuses)
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));

        var operation = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method);
        var listed = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
        Assert.All(statuses, s => Assert.Contains(s, listed));
    }
}
