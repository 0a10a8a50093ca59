using Prometheus;
using VaeWeb.Serving;
using VaeWeb.Training;

namespace VaeWeb.Metrics;

/// <summary>
/// The service's Prometheus registry (its own, not the process-wide default, so two hosts in one
/// process — tests — never share gauges). Training gauges are read from the status feed at scrape
/// time, so the trainer never waits on metrics.
/// </summary>
public sealed class TrainingMetrics
{
    public TrainingMetrics(TrainingStatusFeed feed, ModelHost models, ModelCache cache, RunStore runs)
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        var state = factory.CreateGauge("vaeweb_training_state", "1 for the state the current or last run is in, 0 for the others.", "state");
        var epoch = factory.CreateGauge("vaeweb_training_epoch", "Epoch of the current or last run (the one in progress while running).");
        var epochs = factory.CreateGauge("vaeweb_training_epochs", "Epochs the current or last run is set to train.");
        var loss = factory.CreateGauge("vaeweb_training_loss", "Loss parts per image (the reference's definition).", "split", "part");
        var speed = factory.CreateGauge("vaeweb_training_images_per_second", "Training throughput of the current or last run.");
        var model = factory.CreateGauge("vaeweb_model_info", "1 for the model version that serves requests.", "version");
        var loaded = factory.CreateGauge("vaeweb_model_loaded", "1 when a model serves requests, 0 before the first one.");
        var pinned = factory.CreateGauge("vaeweb_model_pinned", "1 while a version is pinned with PUT /serving.");
        var cached = factory.CreateGauge("vaeweb_models_cached", "Models held for model= requests besides the serving one (at most Vae:Serving:CachedModels).");
        var queued = factory.CreateGauge("vaeweb_runs_queued", "Runs waiting in the queue.");
        string? lastVersion = null;
        var gate = new Lock();

        Registry.AddBeforeCollectCallback(() =>
        {
            using var scope = gate.EnterScope();
            var status = feed.Current;
            foreach (var s in Enum.GetValues<RunState>())
            {
                state.WithLabels(s.ToString().ToLowerInvariant()).Set(s == status.State ? 1 : 0);
            }

            epoch.Set(status.Epoch);
            epochs.Set(status.Epochs);
            Set(loss.WithLabels("train", "loss"), status.Loss);
            Set(loss.WithLabels("train", "reconstruction"), status.Reconstruction);
            Set(loss.WithLabels("train", "kl"), status.Kl);
            Set(loss.WithLabels("test", "loss"), status.TestLoss);
            Set(loss.WithLabels("test", "reconstruction"), status.TestReconstruction);
            Set(loss.WithLabels("test", "kl"), status.TestKl);
            speed.Set(status.ImagesPerSecond ?? 0);

            var version = models.CurrentVersion;
            loaded.Set(version is null ? 0 : 1);
            pinned.Set(models.PinnedVersion is null ? 0 : 1);
            cached.Set(cache.Versions.Count);
            queued.Set(runs.QueuedIds().Count);
            if (version != lastVersion)
            {
                // Only the serving version is exported; the old series goes away with it.
                if (lastVersion is not null)
                {
                    model.RemoveLabelled(lastVersion);
                }

                if (version is not null)
                {
                    model.WithLabels(version).Set(1);
                }

                lastVersion = version;
            }
        });
    }

    public CollectorRegistry Registry { get; }

    private static void Set(Gauge.Child gauge, double? value) => gauge.Set(value ?? double.NaN);
}

public static class MetricsExtensions
{
    /// <summary>Request counts and latency histograms per endpoint (route pattern), into the service's registry.</summary>
    public static IApplicationBuilder UseVaeHttpMetrics(this IApplicationBuilder app)
    {
        var registry = app.ApplicationServices.GetRequiredService<TrainingMetrics>().Registry;
        return app.UseHttpMetrics(options => options.SetMetricFactory(Prometheus.Metrics.WithCustomRegistry(registry)));
    }

    public static IEndpointConventionBuilder MapVaeMetrics(this IEndpointRouteBuilder routes) =>
        routes.MapMetrics("/metrics", routes.ServiceProvider.GetRequiredService<TrainingMetrics>().Registry)
            .WithTags("Operations")
            .WithDisplayName("Prometheus metrics");
}
