using System.Net;
using VaeWeb.Tests.Imaging;
using VaeWeb.Tests.Infrastructure;
using static VaeWeb.Tests.Api.LatentHttp;

namespace VaeWeb.Tests.Api;

/// <summary>Every bad input of the latent endpoints is a 4xx ProblemDetails naming the field — never a 500.</summary>
[Collection(TrainedServiceCollection.Name)]
public class LatentBadInputTests(TrainedServiceFixture service)
{
    private const int LatentDim = 8;

    private static string Zeros(int n) => "[" + string.Join(",", Enumerable.Repeat("0", n)) + "]";

    private static string ZerosWith(int n, string last) => "[" + string.Join(",", Enumerable.Repeat("0", n - 1)) + "," + last + "]";

    private static string Many(string item, int count) => "[" + string.Join(",", Enumerable.Repeat(item, count)) + "]";

    /// <summary>name → (method, path, body); bodies are built fresh for each request.</summary>
    private static readonly Dictionary<string, (HttpMethod Method, string Path, Func<HttpContent?> Body)> Cases = new()
    {
        ["decode z too short"] = (HttpMethod.Post, "/decode", () => Json($"{{\"z\":{Zeros(LatentDim - 1)}}}")),
        ["decode z too long"] = (HttpMethod.Post, "/decode", () => Json($"{{\"z\":{Zeros(LatentDim + 1)}}}")),
        ["decode z NaN"] = (HttpMethod.Post, "/decode", () => Json($"{{\"z\":{ZerosWith(LatentDim, "\"NaN\"")}}}")),
        ["decode z infinite"] = (HttpMethod.Post, "/decode", () => Json($"{{\"z\":{ZerosWith(LatentDim, "1e400")}}}")),
        ["decode z not numbers"] = (HttpMethod.Post, "/decode", () => Json("{\"z\":\"hello\"}")),
        ["decode zs over 256"] = (HttpMethod.Post, "/decode", () => Json($"{{\"zs\":{Many(Zeros(LatentDim), 257)}}}")),
        ["decode zs empty"] = (HttpMethod.Post, "/decode", () => Json("{\"zs\":[]}")),
        ["decode zs item wrong length"] = (HttpMethod.Post, "/decode", () => Json($"{{\"zs\":[{Zeros(LatentDim)},{Zeros(3)}]}}")),
        ["decode neither z nor zs"] = (HttpMethod.Post, "/decode", () => Json("{}")),
        ["decode unknown field"] = (HttpMethod.Post, "/decode", () => Json($"{{\"z\":{Zeros(LatentDim)},\"zz\":1}}")),
        ["decode not json"] = (HttpMethod.Post, "/decode", () => Bytes([1, 2, 3], "text/plain")),
        ["decode broken json"] = (HttpMethod.Post, "/decode", () => Json("{\"z\":[0,")),
        ["decode bad format"] = (HttpMethod.Post, "/decode?format=xml", () => Json($"{{\"z\":{Zeros(LatentDim)}}}")),
        ["encode pixels above 1"] = (HttpMethod.Post, "/encode", () => Json($"{{\"pixels\":{ZerosWith(784, "1.5")}}}")),
        ["encode pixels below 0"] = (HttpMethod.Post, "/encode", () => Json($"{{\"pixels\":{ZerosWith(784, "-0.1")}}}")),
        ["encode pixels wrong length"] = (HttpMethod.Post, "/encode", () => Json($"{{\"pixels\":{Zeros(783)}}}")),
        ["encode pixels NaN"] = (HttpMethod.Post, "/encode", () => Json($"{{\"pixels\":{ZerosWith(784, "\"NaN\"")}}}")),
        ["encode images over 256"] = (HttpMethod.Post, "/encode", () => Json($"{{\"images\":{Many(Zeros(784), 257)}}}")),
        ["encode bad seed"] = (HttpMethod.Post, "/encode", () => Json($"{{\"pixels\":{Zeros(784)},\"sample\":true,\"seed\":-1}}")),
        ["encode body not an image"] = (HttpMethod.Post, "/encode", () => Bytes("this is not a png"u8.ToArray(), "image/png")),
        ["encode empty image body"] = (HttpMethod.Post, "/encode", () => Bytes([], "image/png")),
        ["encode file not an image"] = (HttpMethod.Post, "/encode", () => Form("not an image"u8.ToArray())),
        ["encode blank image"] = (HttpMethod.Post, "/encode", () => Bytes(DigitImages.Blank(), "image/png")),
        ["encode too many bytes"] = (HttpMethod.Post, "/encode", () => Bytes(new byte[6 * 1024 * 1024], "image/png")),
        ["encode too many pixels"] = (HttpMethod.Post, "/encode", () => Bytes(DigitImages.PngClaiming(100_000, 100_000), "image/png")),
        ["encode unsupported type"] = (HttpMethod.Post, "/encode", () => Bytes([1, 2, 3], "text/csv")),
        ["reconstruct pixels above 1"] = (HttpMethod.Post, "/reconstruct", () => Json($"{{\"pixels\":{ZerosWith(784, "2")}}}")),
        ["reconstruct body not an image"] = (HttpMethod.Post, "/reconstruct", () => Bytes("not a jpeg either"u8.ToArray(), "image/jpeg")),
        ["reconstruct too many pixels"] = (HttpMethod.Post, "/reconstruct", () => Form(DigitImages.PngClaiming(50_000, 50_000))),
        ["interpolate steps 1"] = (HttpMethod.Post, "/interpolate", () => Json("{\"from\":{\"index\":0},\"to\":{\"index\":1},\"steps\":1}")),
        ["interpolate steps 65"] = (HttpMethod.Post, "/interpolate", () => Json("{\"from\":{\"index\":0},\"to\":{\"index\":1},\"steps\":65}")),
        ["interpolate steps not integer"] = (HttpMethod.Post, "/interpolate", () => Json("{\"from\":{\"index\":0},\"to\":{\"index\":1},\"steps\":2.5}")),
        ["interpolate bad method"] = (HttpMethod.Post, "/interpolate", () => Json("{\"from\":{\"index\":0},\"to\":{\"index\":1},\"method\":\"cubic\"}")),
        ["interpolate index out of range"] = (HttpMethod.Post, "/interpolate", () => Json("{\"from\":{\"index\":256},\"to\":{\"index\":1}}")),
        ["interpolate negative index"] = (HttpMethod.Post, "/interpolate", () => Json("{\"from\":{\"index\":0},\"to\":{\"index\":-1}}")),
        ["interpolate z wrong length"] = (HttpMethod.Post, "/interpolate", () => Json($"{{\"from\":{{\"index\":0}},\"to\":{{\"z\":{Zeros(3)}}}}}")),
        ["interpolate z infinite"] = (HttpMethod.Post, "/interpolate", () => Json($"{{\"from\":{{\"z\":{ZerosWith(LatentDim, "-1e999")}}},\"to\":{{\"index\":1}}}}")),
        ["interpolate pixels out of range"] = (HttpMethod.Post, "/interpolate", () => Json($"{{\"from\":{{\"pixels\":{ZerosWith(784, "3")}}},\"to\":{{\"index\":1}}}}")),
        ["interpolate two kinds in one end"] = (HttpMethod.Post, "/interpolate", () => Json($"{{\"from\":{{\"index\":0,\"z\":{Zeros(LatentDim)}}},\"to\":{{\"index\":1}}}}")),
        ["interpolate missing from"] = (HttpMethod.Post, "/interpolate", () => Json("{\"to\":{\"index\":1}}")),
        ["dataset index out of range"] = (HttpMethod.Get, "/dataset/test/256", () => null),
        ["dataset negative index"] = (HttpMethod.Get, "/dataset/train/-1", () => null),
        ["dataset index not a number"] = (HttpMethod.Get, "/dataset/test/abc", () => null),
        ["dataset unknown split"] = (HttpMethod.Get, "/dataset/validation/0", () => null),
        ["dataset unknown name"] = (HttpMethod.Get, "/dataset?name=cifar", () => null),
        ["latent map n zero"] = (HttpMethod.Get, "/latent-map?n=0", () => null),
        ["latent map n above test size"] = (HttpMethod.Get, "/latent-map?n=257", () => null),
        ["latent map n not a number"] = (HttpMethod.Get, "/latent-map?n=all", () => null),
        ["evaluate k zero"] = (HttpMethod.Post, "/evaluate", () => Json("{\"k\":0}")),
        ["evaluate k too large"] = (HttpMethod.Post, "/evaluate", () => Json("{\"k\":1001}")),
        ["evaluate n above test size"] = (HttpMethod.Post, "/evaluate", () => Json("{\"k\":1,\"n\":257}")),
        ["evaluate not json"] = (HttpMethod.Post, "/evaluate", () => Bytes([1], "image/png")),
    };

    private static MultipartFormDataContent Form(byte[] file)
    {
        var form = new MultipartFormDataContent();
        form.Add(Bytes(file, "image/png"), "file", "upload.png");
        return form;
    }

    [Theory]
    [InlineData("decode z too short", 400, "z")]
    [InlineData("decode z too long", 400, "z")]
    [InlineData("decode z NaN", 400, "z")]
    [InlineData("decode z infinite", 400, "z")]
    [InlineData("decode z not numbers", 400, "z")]
    [InlineData("decode zs over 256", 400, "zs")]
    [InlineData("decode zs empty", 400, "zs")]
    [InlineData("decode zs item wrong length", 400, "zs")]
    [InlineData("decode neither z nor zs", 400, "z")]
    [InlineData("decode unknown field", 400, "zz")]
    [InlineData("decode not json", 415, "body")]
    [InlineData("decode broken json", 400, "body")]
    [InlineData("decode bad format", 400, "format")]
    [InlineData("encode pixels above 1", 400, "pixels")]
    [InlineData("encode pixels below 0", 400, "pixels")]
    [InlineData("encode pixels wrong length", 400, "pixels")]
    [InlineData("encode pixels NaN", 400, "pixels")]
    [InlineData("encode images over 256", 400, "images")]
    [InlineData("encode bad seed", 400, "seed")]
    [InlineData("encode body not an image", 400, "body")]
    [InlineData("encode empty image body", 400, "body")]
    [InlineData("encode file not an image", 400, "file")]
    [InlineData("encode blank image", 400, "body")]
    [InlineData("encode too many bytes", 413, "body")]
    [InlineData("encode too many pixels", 413, "body")]
    [InlineData("encode unsupported type", 415, "body")]
    [InlineData("reconstruct pixels above 1", 400, "pixels")]
    [InlineData("reconstruct body not an image", 400, "body")]
    [InlineData("reconstruct too many pixels", 413, "file")]
    [InlineData("interpolate steps 1", 400, "steps")]
    [InlineData("interpolate steps 65", 400, "steps")]
    [InlineData("interpolate steps not integer", 400, "steps")]
    [InlineData("interpolate bad method", 400, "method")]
    [InlineData("interpolate index out of range", 404, "from.index")]
    [InlineData("interpolate negative index", 404, "to.index")]
    [InlineData("interpolate z wrong length", 400, "to.z")]
    [InlineData("interpolate z infinite", 400, "from.z")]
    [InlineData("interpolate pixels out of range", 400, "from.pixels")]
    [InlineData("interpolate two kinds in one end", 400, "from")]
    [InlineData("interpolate missing from", 400, "from")]
    [InlineData("dataset index out of range", 404, "index")]
    [InlineData("dataset negative index", 404, "index")]
    [InlineData("dataset index not a number", 400, "index")]
    [InlineData("dataset unknown split", 404, "split")]
    [InlineData("dataset unknown name", 400, "name")]
    [InlineData("latent map n zero", 400, "n")]
    [InlineData("latent map n above test size", 400, "n")]
    [InlineData("latent map n not a number", 400, "n")]
    [InlineData("evaluate k zero", 400, "k")]
    [InlineData("evaluate k too large", 400, "k")]
    [InlineData("evaluate n above test size", 400, "n")]
    [InlineData("evaluate not json", 415, "body")]
    public async Task Bad_input_is_a_problem_naming_the_field(string name, int status, string field)
    {
        var (method, path, body) = Cases[name];
        using var request = new HttpRequestMessage(method, path) { Content = body() };
        using var response = await service.Client.SendAsync(request);
        await AssertProblemAsync(response, (HttpStatusCode)status, field);
    }

    [Fact]
    public void Every_case_is_run()
    {
        var names = typeof(LatentBadInputTests).GetMethod(nameof(Bad_input_is_a_problem_naming_the_field))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (string)a.GetData(null!).First()[0]).ToHashSet();
        Assert.Equal(Cases.Keys.Order(), names.Order());
    }
}
