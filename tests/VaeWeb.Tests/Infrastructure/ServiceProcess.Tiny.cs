using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Testing;

/// <summary>How the HTTP tests start the service as a process: the build beside them, in Production, on the tiny slice.</summary>
public sealed partial class ServiceProcess
{
    /// <summary>The settings every child gets: the tiny slice, quick progress, no auto start.</summary>
    public static Dictionary<string, string> TinySettings(string stateDirectory) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
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

    /// <summary>Starts the service built beside the tests (the state directory belongs to the caller).</summary>
    public static ServiceProcess Start(IReadOnlyDictionary<string, string> environment) =>
        Start(Path.Combine(AppContext.BaseDirectory, "VaeWeb.dll"), environment);

    public string Output => Log;

    public Task WaitUntilUpAsync(TimeSpan? timeout = null) => WaitUntilAnswersAsync("/healthz", timeout);

    public Task<RunStatus?> StatusAsync() => StatusAsync<RunStatus>(VaeWebFactory.Json);

    public Task<RunStatus> WaitForStatusAsync(Func<RunStatus, bool> done, TimeSpan? timeout = null) =>
        WaitForStatusAsync(done, VaeWebFactory.Json, timeout, s => $"{s?.State} epoch {s?.Epoch} step {s?.Step}");
}
