using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Training;

/// <summary>Every refused import answers a problem naming what was wrong and leaves instance B exactly as it was.</summary>
[Collection(RunArchiveCollection.Name)]
public class RunImportRefusalTests(RunArchiveFixture fixture)
{
    private string Weights => RunExports.WeightsEntry(fixture.Export);

    [Fact]
    public async Task A_truncated_export_is_a_400_problem_and_leaves_nothing_behind()
    {
        var truncated = fixture.Export[..(fixture.Export.Length / 2)];

        var problem = await RefusedAsync(truncated, HttpStatusCode.BadRequest);

        Assert.Contains("not a complete zip archive", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_export_whose_weights_were_altered_is_a_400_problem_naming_the_entry_and_leaves_nothing_behind()
    {
        var tampered = RunExports.Replace(fixture.Export, Weights, RunExports.FlipOneByte);

        var problem = await RefusedAsync(tampered, HttpStatusCode.BadRequest);

        Assert.Contains(Weights, Detail(problem), StringComparison.Ordinal);
        Assert.Contains("SHA-256", Detail(problem), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty(Weights, out _));
    }

    [Fact]
    public async Task A_byte_flipped_in_the_file_itself_is_a_400_problem_naming_the_weights_entry()
    {
        // Entries are stored, so the weights lie in the file as they are: damage one of their bytes in place.
        var weights = RunExports.Entries(fixture.Export).Single(e => e.Name == Weights).Bytes;
        var damaged = fixture.Export.ToArray();
        var at = damaged.AsSpan().IndexOf(weights.AsSpan(weights.Length / 2, 64)) + 32;
        Assert.True(at >= 32, "the weights should be stored verbatim in the export");
        damaged[at] ^= 0x40;

        var problem = await RefusedAsync(damaged, HttpStatusCode.BadRequest);

        Assert.Contains(Weights, Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_manifest_hash_that_does_not_match_its_entry_is_a_400_problem_naming_the_entry()
    {
        var tampered = RunExports.Replace(fixture.Export, "manifest.json", bytes =>
        {
            var manifest = JsonNode.Parse(bytes)!;
            var run = manifest["entries"]!.AsArray().First(e => e!["name"]!.GetValue<string>() == "run.json")!;
            run["sha256"] = new string('0', 64);
            return Encoding.UTF8.GetBytes(manifest.ToJsonString());
        });

        var problem = await RefusedAsync(tampered, HttpStatusCode.BadRequest);

        Assert.Contains("'run.json' does not match its SHA-256", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_json_with_parameters_out_of_range_is_a_400_problem_naming_the_parameter()
    {
        var tampered = RunExports.EditAndReseal(fixture.Export, (name, json) =>
        {
            if (name != "run.json")
            {
                return false;
            }

            json["parameters"]!["latentDim"] = 1;
            return true;
        });

        var problem = await RefusedAsync(tampered, HttpStatusCode.BadRequest);

        Assert.Contains("run.json parameters: latentDim must be an integer from 2 to 512, got 1.", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Weights_that_do_not_fit_the_model_the_parameters_describe_are_a_400_problem_naming_the_weights()
    {
        // Every checksum is recomputed: only loading the weights into a latent-16 model can tell.
        var tampered = RunExports.EditAndReseal(fixture.Export, (name, json) =>
        {
            if (name == "run.json")
            {
                json["parameters"]!["latentDim"] = 16;
                return true;
            }

            if (name.EndsWith(".json", StringComparison.Ordinal) && !name.EndsWith(".manifest.json", StringComparison.Ordinal))
            {
                json["config"]!["model"]!["latentDim"] = 16;
                return true;
            }

            return false;
        });

        var problem = await RefusedAsync(tampered, HttpStatusCode.BadRequest);

        Assert.Contains("does not load into the model", Detail(problem), StringComparison.Ordinal);
        Assert.Contains(".weights", Detail(problem), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("extra.txt")]
    [InlineData("checkpoints/other-run/epoch-0001.weights")]
    public async Task An_entry_the_manifest_does_not_list_or_outside_the_run_is_a_400_problem_naming_it(string name)
    {
        var tampered = RunExports.Zip(RunExports.Entries(fixture.Export).Append((name, [1, 2, 3])));

        var problem = await RefusedAsync(tampered, HttpStatusCode.BadRequest);

        Assert.Contains($"'{name}'", Detail(problem), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty(name, out _));
    }

    [Fact]
    public async Task An_export_missing_an_entry_its_manifest_lists_is_a_400_problem_naming_it()
    {
        var optimizer = RunExports.Entries(fixture.Export).Select(e => e.Name).First(n => n.EndsWith(".optim", StringComparison.Ordinal));
        var tampered = RunExports.Zip(RunExports.Entries(fixture.Export).Where(e => e.Name != optimizer));

        var problem = await RefusedAsync(tampered, HttpStatusCode.BadRequest);

        Assert.Contains($"'{optimizer}' is listed in manifest.json but missing", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_zip_without_a_manifest_is_a_400_problem()
    {
        var tampered = RunExports.Zip(RunExports.Entries(fixture.Export).Where(e => e.Name != "manifest.json"));

        var problem = await RefusedAsync(tampered, HttpStatusCode.BadRequest);

        Assert.Contains("no manifest.json", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_a_zip_export_is_a_415_problem()
    {
        var problem = await RefusedAsync(fixture.Export, HttpStatusCode.UnsupportedMediaType, "application/json");

        Assert.Contains("application/zip", Detail(problem), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_export_over_the_configured_size_limit_is_a_413_problem()
    {
        using var limited = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Lab:MaxImportBytes"] = "1048576" });
        using var client = limited.CreateClient();
        var before = RunExports.StateTree(limited);

        using var response = await client.PostAsync("/runs/import", RunExports.Body(fixture.Export));

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("at most 1048576 bytes (Vae:Lab:MaxImportBytes)", Detail(problem), StringComparison.Ordinal);
        Assert.Equal(before, RunExports.StateTree(limited));
    }

    [Fact]
    public async Task An_export_over_the_limit_sent_without_a_length_is_a_413_problem_and_leaves_nothing_behind()
    {
        using var limited = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Lab:MaxImportBytes"] = "1048576" });
        using var client = limited.CreateClient();
        var before = RunExports.StateTree(limited);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/runs/import") { Content = new StreamContent(new UnseekableStream(fixture.Export)) };
        request.Content.Headers.ContentType = new("application/zip");
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        var problem = await response.AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains("the body is longer", Detail(problem), StringComparison.Ordinal);
        Assert.Equal(before, RunExports.StateTree(limited));
    }

    /// <summary>Posts to instance B and checks the refusal changed nothing there: no file, no folder, no run.</summary>
    private async Task<JsonElement> RefusedAsync(byte[] body, HttpStatusCode status, string contentType = "application/zip")
    {
        var treeBefore = RunExports.StateTree(fixture.B);
        var runsBefore = await fixture.ClientB.GetStringAsync("/runs");

        using var response = await fixture.ClientB.PostAsync("/runs/import", RunExports.Body(body, contentType));

        var problem = await response.AssertProblemAsync(status);
        Assert.Equal(treeBefore, RunExports.StateTree(fixture.B));
        Assert.Equal(runsBefore, await fixture.ClientB.GetStringAsync("/runs"));
        Assert.False(Directory.Exists(Path.Combine(fixture.B.StateDirectory, "checkpoints", fixture.RunId)));
        return problem;
    }

    private static string Detail(JsonElement problem) => problem.GetProperty("detail").GetString() ?? "";

    /// <summary>A body whose length the client cannot know in advance (sent chunked).</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
