using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using VaeWeb.Configuration;
using VaeWeb.Training;

namespace VaeWeb.Tests.Infrastructure;

/// <summary>
/// The real service in memory, with its own temporary state directory and a tiny data set slice
/// ("tiny": the first 512 training and 256 test digits of the embedded MNIST) so runs take seconds.
/// Training does not start on its own unless a test asks for it.
/// </summary>
public class VaeWebFactory : WebApplicationFactory<Program>
{
    private readonly bool ownsStateDirectory;

    /// <param name="stateDirectory">A directory the caller owns (to restart a service on the same state); a fresh temporary one when null.</param>
    public VaeWebFactory(string? stateDirectory = null)
    {
        ownsStateDirectory = stateDirectory is null;
        StateDirectory = stateDirectory ?? Directory.CreateTempSubdirectory("vaeweb-test-").FullName;
    }

    public string StateDirectory { get; }

    /// <summary>Extra configuration a test class wants on top of the defaults below.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    public static JsonSerializerOptions Json { get; } = JsonSerializerOptionsProvider.Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(configuration =>
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Vae:StateDirectory"] = StateDirectory,
                ["Vae:DefaultDataset"] = "tiny",
                ["Vae:Datasets:tiny:Path"] = "data/mnist",
                ["Vae:Datasets:tiny:TrainLimit"] = "512",
                ["Vae:Datasets:tiny:TestLimit"] = "256",
                ["Vae:Training:AutoStart"] = "false",
                ["Vae:Training:Epochs"] = "2",
                ["Vae:Training:BatchSize"] = "64",
                ["Vae:Training:LatentDim"] = "8",
                ["Vae:Training:ProgressInterval"] = "00:00:00.050",
                // The sample judge trains a CNN: only the tests about it turn it on (SampleQualityTests).
                ["Vae:Judge:Enabled"] = "false",
                ["Vae:Judge:Epochs"] = "1",
                ["Vae:Judge:Samples"] = "64",
            });
            configuration.AddInMemoryCollection(Settings);
        });
    }

    /// <summary>Polls <c>GET /train</c> until <paramref name="done"/> holds or the deadline passes.</summary>
    public async Task<RunStatus> WaitForStatusAsync(HttpClient client, Func<RunStatus, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        RunStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = await client.GetFromJsonAsync<RunStatus>("/train", Json);
            if (status is not null && done(status))
            {
                return status;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The run did not reach the expected state in time; last status: {JsonSerializer.Serialize(status, Json)}");
    }

    /// <summary>Starts a run with <paramref name="body"/> and waits for it to finish.</summary>
    public async Task<RunStatus> TrainAsync(HttpClient client, object? body = null)
    {
        using var response = await client.PostAsJsonAsync("/train", body ?? new { }, Json);
        response.EnsureSuccessStatusCode();
        return await WaitForStatusAsync(client, s => !s.IsActive && s.State != RunState.Idle);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && ownsStateDirectory)
        {
            try
            {
                Directory.Delete(StateDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a finishing background write; the OS cleans temp later.
            }
        }
    }
}

/// <summary>A service that has finished one tiny run, shared by the tests of a collection that only read from it.</summary>
public sealed class TrainedServiceFixture : IAsyncLifetime
{
    public VaeWebFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public RunStatus Run { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        Run = await Factory.TrainAsync(Client, new { epochs = 2, seed = 7 });
        if (Run.State != RunState.Completed)
        {
            throw new InvalidOperationException($"The fixture's run ended {Run.State}: {Run.Error}");
        }
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedServiceCollection : ICollectionFixture<TrainedServiceFixture>
{
    public const string Name = "Trained service";
}
