using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using VaeWeb.Training;

namespace VaeWeb.Tests.Infrastructure;

/// <summary>
/// The real service as a child process (<c>dotnet VaeWeb.dll</c>, the build beside the tests) on a
/// free loopback port, configured through environment variables, with a given state directory.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServiceProcess(Process process, int port)
    {
        this.process = process;
        Port = port;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>The settings every child gets: the tiny slice, quick progress, no auto start.</summary>
    public static Dictionary<string, string> TinySettings(string stateDirectory) => new()
    {
        ["Vae__StateDirectory"] = stateDirectory,
        ["Vae__DefaultDataset"] = "tiny",
        ["Vae__Datasets__tiny__Path"] = "data/mnist",
        ["Vae__Datasets__tiny__TrainLimit"] = "512",
        ["Vae__Datasets__tiny__TestLimit"] = "256",
        ["Vae__Training__AutoStart"] = "false",
        ["Vae__Training__Threads"] = "1",
        ["Vae__Training__BatchSize"] = "64",
        ["Vae__Training__LatentDim"] = "8",
        ["Vae__Training__ProgressInterval"] = "00:00:00.020",
        ["Vae__Judge__Enabled"] = "false",
    };

    public static ServiceProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "VaeWeb.dll"));
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var service = new ServiceProcess(process, port);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Waits until <c>/healthz</c> answers.</summary>
    public async Task WaitUntilUpAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with {process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await Client.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The service did not come up:\n{Output}");
    }

    public async Task<RunStatus?> StatusAsync()
    {
        try
        {
            return await Client.GetFromJsonAsync<RunStatus>("/train", VaeWebFactory.Json);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    public async Task<RunStatus> WaitForStatusAsync(Func<RunStatus, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        RunStatus? status = null;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            status = await StatusAsync();
            if (status is not null && done(status))
            {
                return status;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"The run did not reach the expected state; last: {status?.State} epoch {status?.Epoch} step {status?.Step}\n{Output}");
    }

    /// <summary>SIGKILL: no chance to clean up, as in a power cut of the process.</summary>
    public void Kill()
    {
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>SIGTERM, what a container runtime sends on stop; waits for the exit and returns its code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
            if (kill.ExitCode != 0)
            {
                throw new InvalidOperationException("kill -TERM failed");
            }
        }

        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        return process.ExitCode;
    }

    public void Dispose()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
