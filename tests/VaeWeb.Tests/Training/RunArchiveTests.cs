using System.Net;
using System.Net.Http.Json;
using System.Text;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Tests.Training;

[Collection(RunArchiveCollection.Name)]
public class RunArchiveTests(RunArchiveFixture fixture)
{
    [Fact]
    public async Task A_run_exported_and_imported_on_an_empty_instance_serves_byte_identical_seeded_samples()
    {
        using var fresh = new VaeWebFactory();
        using var client = fresh.CreateClient();
        using (var before = await client.GetAsync(RunArchiveFixture.SamplesQuery))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        }

        using var import = await client.PostAsync("/runs/import", RunExports.Body(fixture.Export));

        Assert.Equal(HttpStatusCode.Created, import.StatusCode);
        Assert.Equal($"/runs/{fixture.RunId}", import.Headers.Location?.OriginalString);
        var imported = await import.Content.ReadFromJsonAsync<RunRecord>(VaeWebFactory.Json);
        Assert.Equal(RunState.Completed, imported!.State);
        Assert.Equal([1, 2], imported.Epochs.Select(e => e.Epoch));
        using var samples = await client.GetAsync(RunArchiveFixture.SamplesQuery);
        Assert.Equal(HttpStatusCode.OK, samples.StatusCode);
        Assert.Equal(fixture.Samples.Version, samples.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal(fixture.Samples.Png, await samples.Content.ReadAsByteArrayAsync());
        using var named = await client.GetAsync($"{RunArchiveFixture.SamplesQuery}&model={fixture.RunId}");
        Assert.Equal(fixture.Samples.Version, named.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal(fixture.Samples.Png, await named.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task An_imported_run_is_listed_like_any_run_with_its_parameters_and_epochs()
    {
        using var fresh = new VaeWebFactory();
        using var client = fresh.CreateClient();
        using var import = await client.PostAsync("/runs/import", RunExports.Body(fixture.Export));
        Assert.Equal(HttpStatusCode.Created, import.StatusCode);

        var runs = await client.GetFromJsonAsync<List<RunRecord>>("/runs", VaeWebFactory.Json);
        var original = await fixture.ClientA.GetFromJsonAsync<RunRecord>($"/runs/{fixture.RunId}", VaeWebFactory.Json);

        var run = Assert.Single(runs!);
        Assert.Equal(original!.RunId, run.RunId);
        Assert.Equal(original.Parameters, run.Parameters);
        Assert.Equal(original.CreatedAt, run.CreatedAt);
        Assert.Equal(original.Epochs, run.Epochs);
        Assert.True(Directory.Exists(Path.Combine(fresh.StateDirectory, "checkpoints", fixture.RunId)));
    }

    [Fact]
    public async Task An_export_is_a_zip_download_named_after_the_run_whose_manifest_hashes_every_entry()
    {
        using var response = await fixture.ClientA.GetAsync($"/runs/{fixture.RunId}/export");
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{fixture.RunId}.vaerun.zip", response.Content.Headers.ContentDisposition?.FileName);
        var entries = RunExports.Entries(bytes);
        var manifest = RunExports.Manifest(bytes);
        Assert.Equal("vaeweb-run", manifest["format"]!.GetValue<string>());
        Assert.Equal(fixture.RunId, manifest["runId"]!.GetValue<string>());
        var listed = manifest["entries"]!.AsArray().Select(e => (e!["name"]!.GetValue<string>(), e["bytes"]!.GetValue<long>())).ToList();
        Assert.Equal(entries.Where(e => e.Name != "manifest.json").Select(e => (e.Name, e.Bytes.LongLength)), listed);
        Assert.Contains("run.json", listed.Select(e => e.Item1));
        Assert.Contains($"checkpoints/{fixture.RunId}/epoch-0002.weights", listed.Select(e => e.Item1));
        Assert.Contains($"checkpoints/{fixture.RunId}/epoch-0002.optim", listed.Select(e => e.Item1));
    }

    [Fact]
    public async Task Importing_a_run_the_instance_already_holds_is_a_409_problem()
    {
        var runsBefore = await fixture.ClientA.GetStringAsync("/runs");

        using var response = await fixture.ClientA.PostAsync("/runs/import", RunExports.Body(fixture.Export));

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains(fixture.RunId, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(runsBefore, await fixture.ClientA.GetStringAsync("/runs"));
    }

    [Fact]
    public async Task Exporting_an_unknown_run_is_a_404_problem()
    {
        using var response = await fixture.ClientA.GetAsync("/runs/20990101-000000-ffff/export");

        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("20990101-000000-ffff", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exporting_a_running_run_is_a_409_problem()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        using var start = await client.PostAsync("/train", new StringContent("""{"epochs": 100}""", Encoding.UTF8, "application/json"));
        var running = await factory.WaitForStatusAsync(client, s => s.State == RunState.Running);

        using var response = await client.GetAsync($"/runs/{running.RunId}/export");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("running", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var cancel = await client.DeleteAsync("/train");
        await factory.WaitForStatusAsync(client, s => !s.IsActive);
    }

    [Fact]
    public async Task Exporting_a_run_without_a_checkpoint_that_verifies_is_a_409_problem()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();
        var run = await factory.TrainAsync(client, new { epochs = 1 });
        Directory.Delete(Path.Combine(factory.StateDirectory, "checkpoints", run.RunId!), recursive: true);

        using var response = await client.GetAsync($"/runs/{run.RunId}/export");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("no checkpoint", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Importing_is_training_control_a_remote_client_without_a_key_is_refused_with_403()
    {
        using var remote = new ConfiguredFactory(new Dictionary<string, string?>(), remoteAddress: IPAddress.Parse("203.0.113.9"));
        using var client = remote.CreateClient();

        using var response = await client.PostAsync("/runs/import", RunExports.Body(fixture.Export));

        await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Empty(await client.GetFromJsonAsync<List<RunRecord>>("/runs", VaeWebFactory.Json) ?? []);
    }

    [Fact]
    public async Task An_imported_run_can_be_resumed_there_with_its_optimiser_state_and_epoch_counter()
    {
        using var fresh = new VaeWebFactory();
        using var client = fresh.CreateClient();
        using var import = await client.PostAsync("/runs/import", RunExports.Body(fixture.Export));
        Assert.Equal(HttpStatusCode.Created, import.StatusCode);

        using var resume = await client.PostAsync("/train", new StringContent($$"""{"resume": "{{fixture.RunId}}", "epochs": 3}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, resume.StatusCode);
        var done = await fresh.WaitForStatusAsync(client, s => s.RunId == fixture.RunId && s.State == RunState.Completed);
        Assert.Equal($"{fixture.RunId}.e3", done.ModelVersion);
        var run = await client.GetFromJsonAsync<RunRecord>($"/runs/{fixture.RunId}", VaeWebFactory.Json);
        Assert.Equal([1, 2, 3], run!.Epochs.Select(e => e.Epoch));
    }

    [Fact]
    public async Task A_serve_only_replica_refuses_an_import_with_403()
    {
        using var replica = new ConfiguredFactory(new Dictionary<string, string?> { ["Vae:Training:Enabled"] = "false" });
        using var client = replica.CreateClient();

        using var response = await client.PostAsync("/runs/import", RunExports.Body(fixture.Export));

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("Vae:Training:Enabled", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(replica.StateDirectory, "checkpoints", fixture.RunId)));
    }
}
