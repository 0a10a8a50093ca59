using System.Globalization;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;

namespace VaeWeb.Testing;

/// <summary>
/// How the browser tests start the service: its built assembly (the path is stamped into this test
/// assembly), a temporary state directory and a tiny configuration: the first 1,024 (or
/// <c>trainImages</c>) training digits of the embedded MNIST and all 1,005 test digits (so the map and
/// the first-load figure are those of the real test split), latent size 8, batch 64, no auto-start —
/// a few seconds of training that still give recognisable blobs in the screenshots.
/// </summary>
public sealed partial class ServiceProcess
{
    public static string AssemblyPath =>
        typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "VaeWebAssembly").Value
        ?? throw new InvalidOperationException("The test assembly does not name the service assembly.");

    public static async Task<ServiceProcess> StartAsync(int trainImages = 1024, IReadOnlyDictionary<string, string>? settings = null)
    {
        var state = Directory.CreateTempSubdirectory("vaeweb-e2e-").FullName;
        var environment = Settings(state, trainImages);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var service = Start(AssemblyPath, environment, ownedStateDirectory: state);
        await service.WaitUntilAnswersAsync("/train");
        return service;
    }

    private static Dictionary<string, string> Settings(string state, int trainImages) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        ["Vae__StateDirectory"] = state,
        ["Vae__DefaultDataset"] = "tiny",
        ["Vae__Datasets__tiny__Path"] = "data/mnist",
        ["Vae__Datasets__tiny__TrainLimit"] = trainImages.ToString(CultureInfo.InvariantCulture),
        ["Vae__Training__AutoStart"] = "false",
        ["Vae__Training__Epochs"] = "2",
        ["Vae__Training__BatchSize"] = "64",
        ["Vae__Training__LatentDim"] = "8",
        ["Vae__Training__ProgressInterval"] = "00:00:00.050",
        // A judge small enough to train in a second or two beside the tests: the page shows its scores.
        ["Vae__Judge__Epochs"] = "2",
        ["Vae__Judge__Samples"] = "128",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    /// <summary>Starts a run through the API and polls <c>GET /train</c> until it has ended.</summary>
    public async Task<JsonElement> TrainAsync(object body, TimeSpan timeout)
    {
        using (var response = await Client.PostAsJsonAsync("/train", body))
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /train answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
        }

        var status = await WaitForStatusAsync<JsonElement>(
            s => s.GetProperty("state").GetString() is "completed" or "failed" or "cancelled" or "interrupted", null, timeout);
        var state = status.GetProperty("state").GetString();
        return state == "completed" ? status : throw new InvalidOperationException($"The run ended {state}: {status}");
    }
}
