using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace VaeWeb.Testing;

/// <summary>
/// The real service as a child process (<c>dotnet VaeWeb.dll</c>) on a free loopback port,
/// configured through environment variables. One source for both test projects (linked into
/// each), so a fix in how tests start, watch and stop the service lands once; each project adds
/// the configuration it starts it with in its own part of this partial class.
/// </summary>
public sealed partial class ServiceProcess : IDisposable, IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();
    private readonly string? ownedStateDirectory;

    private ServiceProcess(Process process, int port, string? ownedStateDirectory)
    {
        this.process = process;
        this.ownedStateDirectory = ownedStateDirectory;
        Port = port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        Client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public int Port { get; }

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

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

    /// <summary>
    /// Starts <paramref name="assemblyPath"/> with <paramref name="environment"/>. A state directory
    /// passed as <paramref name="ownedStateDirectory"/> is deleted when the service is disposed.
    /// </summary>
    public static ServiceProcess Start(string assemblyPath, IReadOnlyDictionary<string, string> environment, string? ownedStateDirectory = null)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new InvalidOperationException($"The service is not built: {assemblyPath} is missing. Run dotnet build first.");
        }

        var port = FreePort();
        // The SDK tells child tools which dotnet host it runs on; outside it, the one on PATH.
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(assemblyPath);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
        var service = new ServiceProcess(process, port, ownedStateDirectory);
        process.OutputDataReceived += (_, e) => service.Append(e.Data);
        process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>
    /// Waits until <paramref name="path"/> answers 200, failing early if the process exits. The default
    /// deadline is generous: the start-up self-check of the layer forms alone takes most of a minute
    /// on a machine whose cores are shared with other builds.
    /// </summary>
    public async Task WaitUntilAnswersAsync(string path, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(180);
        var deadline = DateTime.UtcNow + limit;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with code {process.ExitCode} while starting:\n{Log}");
            }

            try
            {
                using var response = await Client.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"The service did not answer GET {path} within {limit.TotalSeconds:F0} s:\n{Log}");
    }

    /// <summary>
    /// Polls <c>GET /train</c> until <paramref name="done"/> holds, the process exits or the deadline
    /// passes; <paramref name="describe"/> says what the last status was in the failure message.
    /// </summary>
    public async Task<T> WaitForStatusAsync<T>(Func<T, bool> done, JsonSerializerOptions? json, TimeSpan? timeout = null, Func<T?, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(120));
        T? status = default;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            status = await StatusAsync<T>(json);
            if (status is not null && done(status))
            {
                return status;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"The run did not reach the expected state; last: {(describe ?? (s => JsonSerializer.Serialize(s, json)))(status)}\n{Log}");
    }

    /// <summary><c>GET /train</c>, or the default when the service does not answer.</summary>
    public async Task<T?> StatusAsync<T>(JsonSerializerOptions? json)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(await Client.GetStringAsync("/train"), json);
        }
        catch (HttpRequestException)
        {
            return default;
        }
    }

    /// <summary>SIGKILL: no chance to clean up, as in a power cut of the process.</summary>
    public void Kill()
    {
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    /// <summary>SIGTERM, what a container runtime sends on stop; waits for the exit and returns its code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
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

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
        DeleteOwnedState();
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private void DeleteOwnedState()
    {
        if (ownedStateDirectory is null)
        {
            return;
        }

        try
        {
            Directory.Delete(ownedStateDirectory, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans the temp folder later.
        }
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
}
