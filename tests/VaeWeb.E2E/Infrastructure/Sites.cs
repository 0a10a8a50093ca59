namespace VaeWeb.E2E.Infrastructure;

/// <summary>A running service with a finished tiny run and a browser: for tests that only read from the model.</summary>
public sealed class TrainedSite : IAsyncLifetime
{
    public ServiceProcess Service { get; private set; } = null!;

    public BrowserSession Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Browser = await BrowserSession.LaunchAsync();
        Service = await ServiceProcess.StartAsync();
        await Service.TrainAsync(new { epochs = 3, learningRate = 0.003, likelihood = "bernoulli", seed = 7 }, TimeSpan.FromMinutes(3));
    }

    public Task<PageSession> OpenAsync(Microsoft.Playwright.ViewportSize? viewport = null) => Browser.OpenAsync(Service.BaseAddress, viewport);

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
    }
}

/// <summary>A running service that has never trained, and a browser: for tests that start runs from the page.</summary>
public sealed class FreshSite : IAsyncLifetime
{
    public ServiceProcess Service { get; private set; } = null!;

    public BrowserSession Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Browser = await BrowserSession.LaunchAsync();
        // Runs here only need to show progress, not legible digits: the smallest slice keeps them short.
        Service = await ServiceProcess.StartAsync(trainImages: 512);
    }

    public Task<PageSession> OpenAsync(Microsoft.Playwright.ViewportSize? viewport = null) => Browser.OpenAsync(Service.BaseAddress, viewport);

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        if (Service is not null)
        {
            await Service.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TrainedSiteCollection : ICollectionFixture<TrainedSite>
{
    public const string Name = "Trained site";
}
