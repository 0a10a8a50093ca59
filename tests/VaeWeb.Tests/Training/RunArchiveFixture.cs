using System.Net;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;

namespace VaeWeb.Tests.Training;

/// <summary>
/// Instance A has finished one tiny run, drawn seeded samples from it and exported it; instance B is
/// a second instance with an empty state directory that refused imports must leave as it is.
/// </summary>
public sealed class RunArchiveFixture : IAsyncLifetime
{
    public const string SamplesQuery = "/samples?n=8&seed=3";

    public VaeWebFactory A { get; } = new();

    public VaeWebFactory B { get; } = new();

    public HttpClient ClientA { get; private set; } = null!;

    public HttpClient ClientB { get; private set; } = null!;

    public RunStatus Run { get; private set; } = null!;

    public string RunId => Run.RunId!;

    /// <summary>A's <see cref="SamplesQuery"/> PNG and the model version that drew it.</summary>
    public (byte[] Png, string Version) Samples { get; private set; }

    public byte[] Export { get; private set; } = [];

    public async Task InitializeAsync()
    {
        ClientA = A.CreateClient();
        ClientB = B.CreateClient();
        Run = await A.TrainAsync(ClientA, new { epochs = 2, seed = 3 });
        if (Run.State != RunState.Completed)
        {
            throw new InvalidOperationException($"The fixture's run ended {Run.State}: {Run.Error}");
        }

        using var samples = await ClientA.GetAsync(SamplesQuery);
        samples.EnsureSuccessStatusCode();
        Samples = (await samples.Content.ReadAsByteArrayAsync(), samples.Headers.GetValues("X-Model-Version").Single());
        using var export = await ClientA.GetAsync($"/runs/{RunId}/export");
        if (export.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"The export failed: {(int)export.StatusCode} {await export.Content.ReadAsStringAsync()}");
        }

        Export = await export.Content.ReadAsByteArrayAsync();
    }

    public Task DisposeAsync()
    {
        ClientA.Dispose();
        ClientB.Dispose();
        A.Dispose();
        B.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class RunArchiveCollection : ICollectionFixture<RunArchiveFixture>
{
    public const string Name = "Run archive";
}
