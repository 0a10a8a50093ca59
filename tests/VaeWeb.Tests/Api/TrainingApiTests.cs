using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Tests.Api;

public class TrainingApiTests
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Status_before_any_run_is_idle()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        var status = await client.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json);

        Assert.Equal(RunState.Idle, status!.State);
        Assert.Null(status.RunId);
    }

    [Fact]
    public async Task Posting_a_run_answers_202_with_its_location_then_it_completes_and_serves_its_model()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/train", Json("""{"epochs": 2, "seed": 11, "latentDim": 4}"""));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await response.Content.ReadFromJsonAsync<RunStatus>(VaeWebFactory.Json);
        Assert.Equal(RunState.Queued, accepted!.State);
        Assert.Equal($"/runs/{accepted.RunId}", response.Headers.Location?.OriginalString);
        Assert.Equal(4, accepted.Parameters!.LatentDim);

        var done = await factory.WaitForStatusAsync(client, s => s.State == RunState.Completed);
        Assert.Equal(2, done.Epoch);
        Assert.Equal(8, done.StepsPerEpoch); // 512 images in batches of 64
        Assert.NotNull(done.TestLoss);
        Assert.Equal(done.TestLoss!.Value, done.TestReconstruction!.Value + done.TestKl!.Value, 3);
        Assert.Equal($"{accepted.RunId}.e2", done.ModelVersion);

        var run = await client.GetFromJsonAsync<RunRecord>($"/runs/{accepted.RunId}", VaeWebFactory.Json);
        Assert.Equal(2, run!.Epochs.Count);
        Assert.True(run.Epochs[1].TestLoss < run.Epochs[0].TestLoss * 1.05);
    }

    [Fact]
    public async Task A_second_run_while_one_is_active_is_a_409_problem()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        using var first = await client.PostAsync("/train", Json("""{"epochs": 50}"""));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);

        using var second = await client.PostAsync("/train", Json("{}"));

        var problem = await second.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("DELETE /train", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var cancel = await client.DeleteAsync("/train");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await factory.WaitForStatusAsync(client, s => s.State == RunState.Cancelled);
    }

    [Fact]
    public async Task Delete_cancels_the_active_run_and_a_new_one_can_start()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        using var start = await client.PostAsync("/train", Json("""{"epochs": 100}"""));
        await factory.WaitForStatusAsync(client, s => s.State == RunState.Running && s.Step > 0);

        using var cancel = await client.DeleteAsync("/train");

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await factory.WaitForStatusAsync(client, s => s.State == RunState.Cancelled);
        Assert.True(cancelled.Epoch < 100);
        using var again = await client.PostAsync("/train", Json("""{"epochs": 1}"""));
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        await factory.WaitForStatusAsync(client, s => s.State == RunState.Completed);
    }

    [Fact]
    public async Task Delete_with_no_active_run_is_a_404_problem()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var response = await client.DeleteAsync("/train");

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"epochs": 0}""", "epochs", "from 1 to 1000")]
    [InlineData("""{"epochs": 1.5}""", "epochs", "integer")]
    [InlineData("""{"batchSize": 100000}""", "batchSize", "from 1 to 4096")]
    [InlineData("""{"learningRate": -1}""", "learningRate", "number from")]
    [InlineData("""{"learningRate": "fast"}""", "learningRate", "number from")]
    [InlineData("""{"latentDim": 1}""", "latentDim", "from 2 to 512")]
    [InlineData("""{"beta": -0.5}""", "beta", "from 0 to 1000")]
    [InlineData("""{"likelihood": "poisson"}""", "likelihood", "'gaussian', 'bernoulli' or 'calibrated'")]
    [InlineData("""{"dataset": "cifar"}""", "dataset", "tiny")]
    [InlineData("""{"seed": -1}""", "seed", "non-negative")]
    [InlineData("""{"precision": "fp16"}""", "precision", "'fp32' or 'bf16'")]
    [InlineData("""{"precision": 16}""", "precision", "'fp32' or 'bf16'")]
    [InlineData("""{"epochz": 3}""", "epochz", "not a training parameter")]
    public async Task Invalid_or_unknown_fields_are_a_400_problem_naming_the_field_and_the_allowed_values(string body, string field, string allowed)
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/train", Json(body));

        var message = await response.AssertInvalidFieldAsync(field);
        Assert.Contains(allowed, message, StringComparison.Ordinal);
        var status = await client.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json);
        Assert.Equal(RunState.Idle, status!.State);
    }

    [Fact]
    public async Task Bf16_is_accepted_where_the_cpu_computes_bfloat16_natively_and_a_400_naming_the_cpu_features_elsewhere()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/train", Json("""{"epochs": 1, "precision": "bf16"}"""));

        if (VaeWeb.Vae.CpuFeatures.HasNativeBf16)
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var status = await response.Content.ReadFromJsonAsync<RunStatus>(VaeWebFactory.Json);
            Assert.Equal(VaeWeb.Vae.Model.Precision.Bf16, status!.Parameters!.Precision);
            using var cancel = await client.DeleteAsync("/train");
        }
        else
        {
            var message = await response.AssertInvalidFieldAsync("precision");
            Assert.Contains("avx512_bf16", message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_400_problem()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/train", Json("{epochs: 3"));

        await response.AssertInvalidFieldAsync("body");
    }

    [Fact]
    public async Task A_body_of_another_media_type_is_a_415_problem()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var response = await client.PostAsync("/train", new StringContent("epochs=3", Encoding.UTF8, "application/x-www-form-urlencoded"));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task The_event_stream_shows_the_run_progressing_to_completion()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        using var stream = await client.GetStreamAsync("/train/events", timeout.Token);
        using var reader = new StreamReader(stream);
        using var start = await client.PostAsync("/train", Json("""{"epochs": 2}"""), timeout.Token);

        var events = new List<RunStatus>();
        while (events.LastOrDefault()?.State != RunState.Completed)
        {
            var line = await reader.ReadLineAsync(timeout.Token);
            Assert.NotNull(line);
            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                Assert.Equal("event: status", line);
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                events.Add(JsonSerializer.Deserialize<RunStatus>(line["data:".Length..], VaeWebFactory.Json)!);
            }
        }

        Assert.Contains(events, e => e.State == RunState.Running && e.Step > 0 && e.Loss > 0 && e.ImagesPerSecond > 0);
        Assert.Contains(events, e => e.Epoch == 1 && e.TestLoss is not null);
        Assert.Equal(2, events[^1].Epoch);
    }
}

public class AutoStartTests
{
    private sealed class AutoStartFactory(string stateDirectory) : VaeWebFactory(stateDirectory)
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("Vae:Training:AutoStart", "true"), new("Vae:Training:Epochs", "1")];
    }

    [Fact]
    public async Task With_an_empty_state_directory_a_default_run_starts_on_its_own_and_is_kept_after_restart()
    {
        using var state = new TempDirectory();
        string? version;
        using (var factory = new AutoStartFactory(state.Path))
        using (var client = factory.CreateClient())
        {
            var done = await factory.WaitForStatusAsync(client, s => s.State == RunState.Completed);
            version = done.ModelVersion;
            Assert.Equal(1, done.Epochs);
        }

        using var restarted = new RestartFactory(state.Path);
        using var again = restarted.CreateClient();
        var status = await again.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json);
        Assert.Equal(RunState.Completed, status!.State);
        using var samples = await again.GetAsync("/samples?n=4&seed=1");
        Assert.Equal(HttpStatusCode.OK, samples.StatusCode);
        Assert.Equal(version, samples.Headers.GetValues("X-Model-Version").Single());
        Assert.Single(await again.GetFromJsonAsync<List<RunRecord>>("/runs", VaeWebFactory.Json) ?? []);
    }

    /// <summary>A second process on the same state directory (auto-start on, but the directory is no longer empty).</summary>
    private sealed class RestartFactory(string stateDirectory) : VaeWebFactory(stateDirectory)
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Vae:Training:AutoStart", "true")];
    }
}
