using System.Net;
using System.Text.Json;
using VaeWeb.Tests.Imaging;
using VaeWeb.Tests.Infrastructure;
using static VaeWeb.Tests.Api.LatentHttp;

namespace VaeWeb.Tests.Api;

[Collection(TrainedServiceCollection.Name)]
public class LatentApiTests(TrainedServiceFixture service)
{
    private HttpClient Client => service.Client;

    private string Version => service.Run.ModelVersion!;

    private async Task<float[]> DatasetPixelsAsync(string split, int index)
    {
        var json = await ReadJsonAsync(await Client.GetAsync($"/dataset/{split}/{index}?format=json"));
        return Floats(json.GetProperty("pixels"));
    }

    [Fact]
    public async Task Encode_with_sample_and_seed_draws_the_same_z_twice()
    {
        var pixels = await DatasetPixelsAsync("test", 1);
        var first = await ReadJsonAsync(await Client.PostAsync("/encode", Json(new { pixels, sample = true, seed = 4 })));
        var second = await ReadJsonAsync(await Client.PostAsync("/encode", Json(new { pixels, sample = true, seed = 4 })));
        Assert.Equal(Floats(first.GetProperty("z")), Floats(second.GetProperty("z")));
        Assert.NotEqual(Floats(first.GetProperty("mu")), Floats(first.GetProperty("z")));
        Assert.Equal(4, first.GetProperty("seed").GetInt64());
    }

    [Fact]
    public async Task Encode_takes_a_batch_of_images()
    {
        var images = new[] { await DatasetPixelsAsync("test", 0), await DatasetPixelsAsync("test", 1), await DatasetPixelsAsync("test", 2) };
        var json = await ReadJsonAsync(await Client.PostAsync("/encode", Json(new { images })));
        Assert.Equal(3, json.GetProperty("mus").GetArrayLength());
        Assert.Equal(3, json.GetProperty("logVars").GetArrayLength());
    }

    [Fact]
    public async Task Encode_takes_a_png_body_of_any_size_and_returns_the_28x28_input_it_made()
    {
        var json = await ReadJsonAsync(await Client.PostAsync("/encode", Bytes(DigitImages.SevenDarkOnLight(200), "image/png")));
        Assert.Equal(8, json.GetProperty("mu").GetArrayLength());
        var pixels = Floats(json.GetProperty("pixels"));
        Assert.Equal(784, pixels.Length);
        Assert.Equal(0f, pixels[0]);
    }

    [Fact]
    public async Task Encode_takes_a_jpeg_as_a_multipart_file()
    {
        using var form = new MultipartFormDataContent();
        form.Add(Bytes(DigitImages.SevenDarkOnLight(120, ImageKind.Jpeg), "image/jpeg"), "file", "seven.jpg");
        var json = await ReadJsonAsync(await Client.PostAsync("/encode", form));
        Assert.Equal(8, json.GetProperty("mu").GetArrayLength());
    }

    [Fact]
    public async Task Decode_answers_a_png_grid_by_default_and_json_when_asked()
    {
        var zs = Enumerable.Range(0, 5).Select(i => Enumerable.Repeat(i * 0.1f, 8).ToArray()).ToArray();
        using var png = await Client.PostAsync("/decode", Json(new { zs }));
        Assert.Equal((84, 56), await PngSizeAsync(png));
        Assert.Equal(Version, png.Headers.GetValues("X-Model-Version").Single());

        using var request = new HttpRequestMessage(HttpMethod.Post, "/decode") { Content = Json(new { zs }) };
        request.Headers.Accept.ParseAdd("application/json");
        var json = await ReadJsonAsync(await Client.SendAsync(request));
        Assert.Equal(Version, json.GetProperty("modelVersion").GetString());
        Assert.Equal(5, json.GetProperty("images").GetArrayLength());
        Assert.All(json.GetProperty("images").EnumerateArray(), image =>
        {
            Assert.Equal(784, image.GetArrayLength());
            Assert.All(image.EnumerateArray(), v => Assert.InRange(v.GetSingle(), 0f, 1f));
        });
    }

    [Fact]
    public async Task Reconstruct_shows_input_and_reconstruction_side_by_side_with_the_loss_parts()
    {
        var pixels = await DatasetPixelsAsync("test", 3);
        Assert.Equal((56, 28), await PngSizeAsync(await Client.PostAsync("/reconstruct", Json(new { pixels }))));

        var json = await ReadJsonAsync(await Client.PostAsync("/reconstruct?format=json", Json(new { pixels })));
        Assert.Equal(Version, json.GetProperty("modelVersion").GetString());
        var image = Floats(json.GetProperty("images")[0]);
        var recon = json.GetProperty("reconstruction")[0].GetDouble();
        Assert.Equal(SquaredError(pixels, image), recon, 0.05 * recon);
        var kl = json.GetProperty("kl")[0].GetDouble();
        Assert.True(kl > 0);
        Assert.Equal(recon + kl, json.GetProperty("loss")[0].GetDouble(), 1e-6 * (recon + kl));
    }

    [Fact]
    public async Task Interpolate_between_two_test_images_returns_the_path_and_its_images()
    {
        var body = new { from = new { index = 0 }, to = new { index = 1 }, steps = 10, method = "slerp" };
        var json = await ReadJsonAsync(await Client.PostAsync("/interpolate?format=json", Json(body)));
        Assert.Equal("slerp", json.GetProperty("method").GetString());
        Assert.Equal(10, json.GetProperty("zs").GetArrayLength());
        Assert.Equal(10, json.GetProperty("images").GetArrayLength());

        var mu0 = Floats((await ReadJsonAsync(await Client.PostAsync("/encode", Json(new { pixels = await DatasetPixelsAsync("test", 0) })))).GetProperty("mu"));
        Assert.Equal(mu0, Floats(json.GetProperty("zs")[0]));

        Assert.Equal((280, 28), await PngSizeAsync(await Client.PostAsync("/interpolate", Json(body))));
    }

    [Fact]
    public async Task Interpolate_takes_z_and_pixels_endpoints_and_defaults_to_lerp()
    {
        var z = Enumerable.Repeat(0.5f, 8).ToArray();
        var body = new { from = new { z }, to = new { pixels = await DatasetPixelsAsync("test", 5) }, steps = 3 };
        var json = await ReadJsonAsync(await Client.PostAsync("/interpolate?format=json", Json(body)));
        Assert.Equal("lerp", json.GetProperty("method").GetString());
        Assert.Equal(z, Floats(json.GetProperty("zs")[0]));
    }

    [Fact]
    public async Task Dataset_summary_gives_sizes_and_label_counts()
    {
        var json = await ReadJsonAsync(await Client.GetAsync("/dataset"));
        Assert.Equal("tiny", json.GetProperty("name").GetString());
        Assert.Equal(512, json.GetProperty("train").GetProperty("count").GetInt32());
        Assert.Equal(256, json.GetProperty("test").GetProperty("count").GetInt32());
        var labelTotal = json.GetProperty("test").GetProperty("labelCounts").EnumerateObject().Sum(p => p.Value.GetInt32());
        Assert.Equal(256, labelTotal);
    }

    [Fact]
    public async Task Dataset_image_is_a_28px_png_or_json_with_its_label()
    {
        Assert.Equal((28, 28), await PngSizeAsync(await Client.GetAsync("/dataset/test/7")));
        var json = await ReadJsonAsync(await Client.GetAsync("/dataset/train/2?format=json"));
        Assert.Equal("train", json.GetProperty("split").GetString());
        Assert.Equal(2, json.GetProperty("index").GetInt32());
        Assert.InRange(json.GetProperty("label").GetInt32(), 0, 9);
        Assert.Equal(784, json.GetProperty("pixels").GetArrayLength());
    }

    [Fact]
    public async Task Latent_map_projects_the_test_set_and_a_repeat_call_is_served_from_the_cache()
    {
        using var first = await Client.GetAsync("/latent-map?n=100");
        var json = await ReadJsonAsync(first);
        Assert.Equal(Version, json.GetProperty("modelVersion").GetString());
        Assert.Equal(100, json.GetProperty("points").GetArrayLength());
        Assert.Equal(8, json.GetProperty("mean").GetArrayLength());
        Assert.Equal(2, json.GetProperty("components").GetArrayLength());
        Assert.Equal(8, json.GetProperty("components")[0].GetArrayLength());
        var variance = json.GetProperty("explainedVariance");
        Assert.True(variance[0].GetDouble() >= variance[1].GetDouble());
        var point = json.GetProperty("points")[4];
        Assert.Equal(4, point.GetProperty("index").GetInt32());

        using var second = await Client.GetAsync("/latent-map?n=100");
        Assert.Equal("hit", second.Headers.GetValues("X-Cache").Single());
        Assert.Equal(json.GetRawText(), (await ReadJsonAsync(second)).GetRawText());
    }

    [Fact]
    public async Task Model_describes_architecture_parameters_and_active_units()
    {
        var json = await ReadJsonAsync(await Client.GetAsync("/model"));
        Assert.Equal(Version, json.GetProperty("modelVersion").GetString());
        Assert.Equal(8, json.GetProperty("latentDim").GetInt32());
        Assert.Equal("gaussian", json.GetProperty("likelihood").GetString());
        Assert.Equal(0.5, json.GetProperty("decoderVariance").GetDouble());
        var total = json.GetProperty("parameters").GetInt64();
        Assert.Equal(total, json.GetProperty("parameterTensors").EnumerateArray().Sum(p => p.GetProperty("count").GetInt64()));
        Assert.Equal(total, json.GetProperty("layers").EnumerateArray().Sum(l => l.GetProperty("parameters").GetInt64()));
        var kl = json.GetProperty("klPerDimension").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        Assert.Equal(8, kl.Length);
        Assert.Equal(kl.Count(v => v > 0.01), json.GetProperty("activeUnits").GetInt32());
        Assert.Equal("tiny", json.GetProperty("dataset").GetString());
        Assert.Equal(2, json.GetProperty("lastEpoch").GetProperty("epoch").GetInt32());

        // The start-up self-check decided how layers are computed here, and the model serves that way.
        var forms = json.GetProperty("layerForms");
        var serving = forms.GetProperty("serving").EnumerateArray().Select(f => f.GetString()).ToArray();
        Assert.Equal(serving, forms.GetProperty("training").EnumerateArray().Select(f => f.GetString()).ToArray());
        var checks = forms.GetProperty("checks").EnumerateArray().ToArray();
        Assert.Contains(checks, c => c.GetProperty("form").GetString() == "channelsLast");
        var refused = forms.GetProperty("refused").EnumerateArray().Select(f => f.GetString()).ToArray();
        Assert.All(checks.Where(c => !c.GetProperty("agrees").GetBoolean()), c => Assert.Contains(c.GetProperty("form").GetString(), refused));
        Assert.DoesNotContain(serving, name => refused.Contains(name));
    }

    [Fact]
    public async Task Evaluate_reports_negative_elbo_and_iwae_in_nats_with_the_gaussian_constant()
    {
        var json = await ReadJsonAsync(await Client.PostAsync("/evaluate", Json(new { k = 5, n = 32, seed = 1 })));
        Assert.Equal(32, json.GetProperty("images").GetInt32());
        Assert.Equal(5, json.GetProperty("k").GetInt32());
        Assert.Equal(0.5, json.GetProperty("decoderVariance").GetDouble());
        Assert.Equal(392 * Math.Log(Math.PI), json.GetProperty("logLikelihoodConstant").GetDouble(), 6);
        var negativeElbo = json.GetProperty("negativeElbo").GetDouble();
        var iwae = json.GetProperty("iwae").GetDouble();
        Assert.True(negativeElbo > json.GetProperty("logLikelihoodConstant").GetDouble());
        Assert.True(-iwae <= negativeElbo + 1.0, $"IWAE_5 {iwae:F1} vs −ELBO {negativeElbo:F1}");

        var again = await ReadJsonAsync(await Client.PostAsync("/evaluate", Json(new { k = 5, n = 32, seed = 1 })));
        Assert.Equal(iwae, again.GetProperty("iwae").GetDouble());
    }

    [Fact]
    public async Task The_openapi_document_lists_the_problem_statuses_of_the_latent_endpoints()
    {
        var json = await ReadJsonAsync(await Client.GetAsync("/swagger/v1/swagger.json"));
        var encode = json.GetProperty("paths").GetProperty("/encode").GetProperty("post").GetProperty("responses");
        Assert.True(encode.TryGetProperty("413", out _));
        Assert.True(encode.TryGetProperty("415", out _));
        var interpolate = json.GetProperty("paths").GetProperty("/interpolate").GetProperty("post").GetProperty("responses");
        Assert.True(interpolate.TryGetProperty("404", out _));
    }
}
