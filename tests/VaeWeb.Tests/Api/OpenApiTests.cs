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
    [InlineData("/runs", "post", new[] { "202", "400", "403", "409" })]
    [InlineData("/runs/{id}", "delete", new[] { "202", "204", "403", "404", "409" })]
    [InlineData("/sweeps", "post", new[] { "202", "400", "403", "409" })]
    [InlineData("/sweeps/{id}", "get", new[] { "200", "404" })]
    [InlineData("/serving", "get", new[] { "200" })]
    [InlineData("/serving", "put", new[] { "200", "400", "403", "404" })]
    [InlineData("/serving", "delete", new[] { "200", "403" })]
    [InlineData("/model", "get", new[] { "200", "400", "404", "503" })]
    [InlineData("/runs/{id}/export", "get", new[] { "200", "404", "409" })]
    [InlineData("/runs/import", "post", new[] { "201", "400", "403", "409", "413", "415" })]
    public async Task The_openapi_document_lists_each_endpoint_with_its_status_codes(string path, string method, string[] statuses)
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));

        var operation = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method);
        var listed = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
        Assert.All(statuses, s => Assert.Contains(s, listed));
    }

    [Theory]
    [InlineData("/samples", "get")]
    [InlineData("/encode", "post")]
    [InlineData("/decode", "post")]
    [InlineData("/reconstruct", "post")]
    [InlineData("/explain", "post")]
    [InlineData("/interpolate", "post")]
    [InlineData("/latent-map", "get")]
    [InlineData("/model", "get")]
    [InlineData("/evaluate", "post")]
    public async Task Every_model_endpoint_documents_model_with_its_pattern(string path, string method)
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));

        var parameters = document.RootElement.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("parameters");
        var model = parameters.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "model");
        Assert.Equal("query", model.GetProperty("in").GetString());
        Assert.Equal("string", model.GetProperty("schema").GetProperty("type").GetString());
        Assert.StartsWith("^", model.GetProperty("schema").GetProperty("pattern").GetString(), StringComparison.Ordinal);
        Assert.Contains("pinned", model.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_export_is_described_as_a_binary_zip_both_ways()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));

        var paths = document.RootElement.GetProperty("paths");
        var exported = paths.GetProperty("/runs/{id}/export").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        var imported = paths.GetProperty("/runs/import").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        Assert.Equal("binary", exported.GetProperty("application/zip").GetProperty("schema").GetProperty("format").GetString());
        Assert.Equal(["application/zip", "application/octet-stream"], imported.EnumerateObject().Select(c => c.Name));
        Assert.All(imported.EnumerateObject(), c => Assert.Equal("binary", c.Value.GetProperty("schema").GetProperty("format").GetString()));
    }
}
