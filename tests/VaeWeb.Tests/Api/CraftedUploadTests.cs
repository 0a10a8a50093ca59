using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using VaeWeb.Tests.Imaging;
using VaeWeb.Tests.Infrastructure;
using Xunit.Abstractions;

namespace VaeWeb.Tests.Api;

/// <summary>
/// The crafted-file corpus against /encode: each upload a 4xx problem naming its field or a digit, never a 5xx.
/// How long each takes is printed, not asserted (no timing thresholds in tests); bench/uploads.sh measures it.
/// </summary>
[Collection(TrainedServiceCollection.Name)]
public class CraftedUploadTests(TrainedServiceFixture service, ITestOutputHelper output)
{
    [Fact]
    public async Task Every_crafted_upload_is_a_problem_naming_its_field_or_a_digit_never_a_5xx()
    {
        var failures = new List<string>();
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var slowest = (Name: "", Time: TimeSpan.Zero);
        foreach (var upload in CraftedFiles.All)
        {
            var (status, text, elapsed) = await SendAsync(upload);

            if (elapsed > slowest.Time)
            {
                slowest = (upload.Name, elapsed);
            }

            var outcome = Outcome(status, text, upload.Field);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            if (!upload.Allowed.Contains(status) || outcome.StartsWith("wrong", StringComparison.Ordinal))
            {
                failures.Add($"{upload.Name}: {status} in {elapsed.TotalMilliseconds:0} ms (allowed {string.Join("/", upload.Allowed)}): {text[..Math.Min(text.Length, 300)]}");
            }
        }

        output.WriteLine($"{CraftedFiles.All.Count} crafted uploads; slowest {slowest.Name} in {slowest.Time.TotalMilliseconds:0} ms");
        foreach (var (outcome, count) in outcomes)
        {
            output.WriteLine($"  {count,4} × {outcome}");
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        using var health = await service.Client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task A_gif_labelled_png_is_415_naming_the_accepted_types()
    {
        var gif = CraftedFiles.All.Single(u => u.Name == "GIF labelled image/png");

        using var response = await service.Client.PostAsync("/encode", Content(gif));

        await LatentHttp.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "body");
        var detail = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Contains("GIF", detail, StringComparison.Ordinal);
        Assert.Contains("image/png", detail, StringComparison.Ordinal);
        Assert.Contains("image/jpeg", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_truncated_form_is_400_saying_it_is_malformed_not_413()
    {
        var form = CraftedFiles.All.Single(u => u.Name == "form: truncated to a few bytes");

        using var response = await service.Client.PostAsync("/reconstruct", Content(form));

        await LatentHttp.AssertProblemAsync(response, HttpStatusCode.BadRequest, "file");
        Assert.Contains("malformed", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<(int Status, string Text, TimeSpan Elapsed)> SendAsync(CraftedUpload upload)
    {
        var clock = Stopwatch.StartNew();
        using var response = await service.Client.PostAsync("/encode", Content(upload));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text, clock.Elapsed);
    }

    private static ByteArrayContent Content(CraftedUpload upload)
    {
        var content = new ByteArrayContent(upload.Body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(upload.ContentType);
        return content;
    }

    /// <summary>"200 digit", "400 problem", … or "wrong …" when the answer is not what a client can rely on.</summary>
    private static string Outcome(int status, string text, string field)
    {
        if (status == 200)
        {
            var json = JsonDocument.Parse(text).RootElement;
            return json.TryGetProperty("pixels", out var pixels) && pixels.GetArrayLength() == 784 ? "200 digit" : "wrong 200 without the 28×28 input";
        }

        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            return problem.GetProperty("status").GetInt32() == status && problem.GetProperty("errors").TryGetProperty(field, out _)
                ? $"{status} problem naming '{field}'"
                : $"wrong {status}: the problem does not name '{field}'";
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return $"wrong {status}: not a problem body";
        }
    }
}
