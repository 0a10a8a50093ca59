using System.Net;
using System.Text.Json;
using VaeWeb.Tests.Imaging;
using VaeWeb.Tests.Infrastructure;
using static VaeWeb.Tests.Api.LatentHttp;

namespace VaeWeb.Tests.Api;

/// <summary><c>POST /explain</c>: one digit through the VAE, its numbers consistent with each other and with /evaluate.</summary>
[Collection(TrainedServiceCollection.Name)]
public class ExplainApiTests(TrainedServiceFixture service)
{
    private HttpClient Client => service.Client;

    private async Task<JsonElement> ExplainAsync(object body) => await ReadJsonAsync(await Client.PostAsync("/explain", Json(body)));

    [Fact]
    public async Task Explain_of_a_test_digit_agrees_with_the_evaluation_of_that_digit_alone()
    {
        var explained = await ExplainAsync(new { index = 0, samples = 4, k = 20, seed = 3 });
        var evaluated = await ReadJsonAsync(await Client.PostAsync("/evaluate", Json(new { k = 20, n = 1, seed = 3 })));

        Assert.Equal(-evaluated.GetProperty("negativeElbo").GetDouble(), explained.GetProperty("elboK").GetDouble(), 6);
        Assert.Equal(evaluated.GetProperty("iwae").GetDouble(), explained.GetProperty("iwaeK").GetDouble(), 6);
        Assert.Equal(evaluated.GetProperty("logLikelihoodConstant").GetDouble(), explained.GetProperty("logLikelihoodConstant").GetDouble(), 9);
        Assert.Equal(evaluated.GetProperty("decoderVariance").GetDouble(), explained.GetProperty("decoderVariance").GetDouble());
        var gap = explained.GetProperty("gap").GetDouble();
        Assert.Equal(explained.GetProperty("iwaeK").GetDouble() - explained.GetProperty("elboK").GetDouble(), gap, 9);
        Assert.True(gap >= 0, $"gap {gap}");
    }

    [Fact]
    public async Task Every_draw_is_mu_plus_sigma_times_epsilon_and_its_loss_is_reconstruction_plus_beta_kl()
    {
        using var response = await Client.PostAsync("/explain", Json(new { index = 5, samples = 6, k = 10, seed = 1 }));
        var json = await ReadJsonAsync(response);
        Assert.Equal(service.Run.ModelVersion, response.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal(service.Run.ModelVersion, json.GetProperty("modelVersion").GetString());
        Assert.Equal("index", json.GetProperty("source").GetString());
        Assert.InRange(json.GetProperty("label").GetInt32(), 0, 9);

        var mu = Floats(json.GetProperty("mu"));
        var logVar = Floats(json.GetProperty("logVar"));
        var klPerDim = json.GetProperty("klPerDimension").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var kl = json.GetProperty("kl").GetDouble();
        var beta = json.GetProperty("beta").GetDouble();
        var constant = json.GetProperty("logLikelihoodConstant").GetDouble();
        Assert.Equal(8, mu.Length);
        Assert.Equal(klPerDim.Sum(), kl, 3);
        Assert.Equal(klPerDim.Count(v => v > json.GetProperty("activeThreshold").GetDouble()), json.GetProperty("activeDimensions").GetInt32());

        var input = Floats(json.GetProperty("input"));
        var draws = json.GetProperty("draws").EnumerateArray().ToArray();
        Assert.Equal(6, draws.Length);
        foreach (var draw in draws)
        {
            var eps = Floats(draw.GetProperty("epsilon"));
            var z = Floats(draw.GetProperty("z"));
            for (var j = 0; j < mu.Length; j++)
            {
                Assert.Equal(mu[j] + (MathF.Exp(logVar[j] / 2) * eps[j]), z[j], 4);
            }

            var decoded = Floats(draw.GetProperty("decoded"));
            var reconstruction = draw.GetProperty("reconstruction").GetDouble();
            Assert.Equal(SquaredError(input, decoded), reconstruction, 2);
            Assert.Equal(reconstruction + (beta * kl), draw.GetProperty("loss").GetDouble(), 6);
            Assert.Equal(-reconstruction - constant, draw.GetProperty("logLikelihood").GetDouble(), 3);
            Assert.Equal(draw.GetProperty("logLikelihood").GetDouble() - kl, draw.GetProperty("elbo").GetDouble(), 6);
        }

        Assert.Equal(draws.Average(d => d.GetProperty("elbo").GetDouble()), json.GetProperty("meanElbo").GetDouble(), 6);
        var squared = Floats(json.GetProperty("squaredErrorOfMean"));
        Assert.Equal(SquaredError(input, Floats(json.GetProperty("decodedMean"))), squared.Sum(), 2);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_numbers_and_another_seed_other_draws()
    {
        var a = await ExplainAsync(new { index = 2, samples = 3, k = 10, seed = 11 });
        var b = await ExplainAsync(new { index = 2, samples = 3, k = 10, seed = 11 });
        var c = await ExplainAsync(new { index = 2, samples = 3, k = 10, seed = 12 });

        Assert.Equal(a.GetRawText(), b.GetRawText());
        Assert.NotEqual(Floats(a.GetProperty("draws")[0].GetProperty("epsilon")), Floats(c.GetProperty("draws")[0].GetProperty("epsilon")));
        Assert.Equal(Floats(a.GetProperty("mu")), Floats(c.GetProperty("mu")));
        Assert.NotEqual(a.GetProperty("iwaeK").GetDouble(), c.GetProperty("iwaeK").GetDouble());
    }

    [Fact]
    public async Task Pixels_of_a_test_digit_give_the_numbers_of_its_index()
    {
        var pixels = Floats((await ReadJsonAsync(await Client.GetAsync("/dataset/test/4?format=json"))).GetProperty("pixels"));
        var byIndex = await ExplainAsync(new { index = 4, samples = 2, k = 5 });
        var byPixels = await ExplainAsync(new { pixels, samples = 2, k = 5 });

        Assert.Equal("pixels", byPixels.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, byPixels.GetProperty("index").ValueKind);
        Assert.Equal(byIndex.GetProperty("iwaeK").GetDouble(), byPixels.GetProperty("iwaeK").GetDouble(), 9);
        Assert.Equal(Floats(byIndex.GetProperty("mu")), Floats(byPixels.GetProperty("mu")));
    }

    [Fact]
    public async Task An_uploaded_png_takes_samples_and_k_from_the_query()
    {
        var json = await ReadJsonAsync(await Client.PostAsync("/explain?samples=2&k=7&seed=5", Bytes(DigitImages.SevenDarkOnLight(96), "image/png")));

        Assert.Equal("upload", json.GetProperty("source").GetString());
        Assert.Equal(2, json.GetProperty("draws").GetArrayLength());
        Assert.Equal(7, json.GetProperty("k").GetInt32());
        Assert.Equal(5, json.GetProperty("seed").GetInt64());
        Assert.Equal(784, json.GetProperty("input").GetArrayLength());
    }

    [Fact]
    public async Task Defaults_are_sixteen_samples_and_the_evaluation_k()
    {
        var json = await ExplainAsync(new { index = 1 });

        Assert.Equal(16, json.GetProperty("draws").GetArrayLength());
        Assert.Equal(100, json.GetProperty("k").GetInt32());
        Assert.Equal(0, json.GetProperty("seed").GetInt64());
    }

    [Theory]
    [InlineData("{\"index\":0,\"samples\":0}", "", 400, "samples")]
    [InlineData("{\"index\":0,\"samples\":65}", "", 400, "samples")]
    [InlineData("{\"index\":0,\"samples\":2.5}", "", 400, "samples")]
    [InlineData("{\"index\":0,\"k\":0}", "", 400, "k")]
    [InlineData("{\"index\":0,\"k\":1001}", "", 400, "k")]
    [InlineData("{\"index\":0,\"seed\":-1}", "", 400, "seed")]
    [InlineData("{\"index\":256}", "", 404, "index")]
    [InlineData("{\"index\":-1}", "", 404, "index")]
    [InlineData("{\"index\":\"a\"}", "", 400, "index")]
    [InlineData("{\"index\":0,\"pixels\":[0]}", "", 400, "index")]
    [InlineData("{\"samples\":4}", "", 400, "index")]
    [InlineData("{\"pixels\":[0,0]}", "", 400, "pixels")]
    [InlineData("{\"index\":0,\"images\":[]}", "", 400, "images")]
    [InlineData("{\"index\":0,\"samples\":4}", "?samples=4", 400, "samples")]
    [InlineData("[1]", "", 400, "body")]
    public async Task Bad_json_input_is_a_problem_naming_the_field(string body, string query, int status, string field)
    {
        using var response = await Client.PostAsync("/explain" + query, Json(body));
        await AssertProblemAsync(response, (HttpStatusCode)status, field);
    }

    [Theory]
    [InlineData("?samples=abc", 400, "samples")]
    [InlineData("?k=-3", 400, "k")]
    [InlineData("?seed=x", 400, "seed")]
    [InlineData("?samples=1&samples=2", 400, "samples")]
    public async Task Bad_query_settings_of_an_upload_are_a_problem_naming_the_field(string query, int status, string field)
    {
        using var response = await Client.PostAsync("/explain" + query, Bytes(DigitImages.SevenDarkOnLight(64), "image/png"));
        await AssertProblemAsync(response, (HttpStatusCode)status, field);
    }

    [Fact]
    public async Task An_empty_body_is_a_problem_naming_the_body()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/explain");
        using var response = await Client.SendAsync(request);
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "body");
    }
}
