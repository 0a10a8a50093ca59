using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace VaeWeb.E2E.Infrastructure;

/// <summary>
/// The real service: its built assembly started with <c>dotnet</c> as a child process on a free
/// loopback port, with a temporary state directory and a tiny configuration: the first 1,024 (or
/// <c>trainImages</c>) training digits of the embedded MNIST and all 1,005 test digits (so the map and
/// the first-load figure are those of the real test split), latent size 8, batch 64, no auto-start —
/// a few seconds of training that still give recognisable blobs in the screenshots.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    private ServiceProcess(Process process, Uri baseAddress, string stateDirectory)
    {
        this.process = process;
        BaseAddress = baseAddress;
        StateDirectory = stateDirectory;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public string StateDirectory { get; }

    public HttpClient Client { get; }

    /// <summary>What the service wrote to stdout and stderr, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static string AssemblyPath =>
        typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "VaeWebAssembly").Value
        ?? throw new InvalidOperationException("The test assembly does not name the service assembly.");

    public static async Task<ServiceProcess> StartAsync(int trainImages = 1024, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = AssemblyPath;
        if (!File.Exists(dll))
        {
            throw new InvalidOperationException($"The service is not built: {dll} is missing. Run dotnet build first.");
        }

        var port = FreePort();
        var state = Directory.CreateTempSubdirectory("vaeweb-e2e-").FullName;
        // The SDK tells child tools which dotnet host it runs on; outside it, the one on PATH.
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in Settings(state, trainImages).Concat(settings ?? new Dictionary<string, string>()))
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"), state);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await service.WaitUntilListeningAsync();
        return service;
    }

    private static Dictionary<string, string> Settings(string state, int trainImages) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Testing",
        ["DOTNET_NOLOGO"] = "1",
        ["Vae__StateDirectory"] = state,
        ["Vae__DefaultDataset"] = "tiny",
        ["Vae__Datasets__tiny__Path"] = "data/mnist",
        ["Vae__Datasets__tiny__TrainLimit"] = trainImages.ToString(System.Globalization.CultureInfo.InvariantCulture),
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

        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var status = await Client.GetFromJsonAsync<JsonElement>("/train");
            var state = status.GetProperty("state").GetString();
            if (state is "completed")
            {
                return status;
            }

            if (state is "failed" or "cancelled" or "interrupted")
            {
                throw new InvalidOperationException($"The run ended {state}: {status}");
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The run did not finish within {timeout}. Service log:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private async Task WaitUntilListeningAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with code {process.ExitCode} while starting:\n{Log}");
            }

            try
            {
                using var response = await Client.GetAsync("/train");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The service did not answer GET /train within a minute:\n{Log}");
    }

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans the temp folder later.
        }
    }
}
