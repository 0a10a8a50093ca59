namespace VaeWeb.Serving;

/// <summary>
/// Before the first request: checks which layer forms compute correctly on this CPU, then serves the
/// pinned version or else the newest good checkpoint (<see cref="ServedModels.LoadAtStartup"/>).
/// Registered before every other hosted service, so training and following start from what serves.
/// </summary>
public sealed class ServingStartup(LayerFormSelection layerForms, ServedModels served) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = layerForms.Forms;
        served.LoadAtStartup();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
