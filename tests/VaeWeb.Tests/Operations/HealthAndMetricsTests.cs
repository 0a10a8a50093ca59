using System.Net;
using System.Text.Json;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Operations;

public class ReadinessBeforeAnyModelTests
{
    [Fact]
    public async Task Readyz_is_503_before_any_model_while_healthz_is_200()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var ready = await client.GetAsync("/readyz");
        using var alive = await client.GetAsync("/healthz");
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("model").GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("state-store").GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }
}

[Collection(TrainedServiceCollection.Name)]
public class HealthAndMetricsTests(TrainedServiceFixture fixture)
{
    [Fact]
    public async Task Readyz_is_200_after_training_and_names_the_serving_version()
    {
        using var ready = await fixture.Client.GetAsync("/readyz");
        var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(fixture.Run.ModelVersion, body.GetProperty("modelVersion").GetString());
    }

    [Fact]
    public async Task Metrics_carry_the_training_gauges_and_per_endpoint_request_histograms()
    {
        using (await fixture.Client.GetAsync("/samples?n=2"))
        {
        }

        var text = await fixture.Client.GetStringAsync("/metrics");

        Assert.Contains("vaeweb_training_state{state=\"completed\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("vaeweb_training_epoch 2", text, StringComparison.Ordinal);
        Assert.Contains($"vaeweb_model_info{{version=\"{fixture.Run.ModelVersion}\"}} 1", text, StringComparison.Ordinal);
        Assert.Contains("vaeweb_training_loss{split=\"test\",part=\"kl\"}", text, StringComparison.Ordinal);
        Assert.Contains("vaeweb_training_images_per_second", text, StringComparison.Ordinal);
        var testLoss = text.Split('\n').Single(l => l.StartsWith("vaeweb_training_loss{split=\"test\",part=\"loss\"}", StringComparison.Ordinal));
        Assert.Equal(fixture.Run.TestLoss!.Value, double.Parse(testLoss.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture), 3);
        Assert.Contains("http_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("endpoint=\"/samples/\"", text, StringComparison.Ordinal);
    }
}
