using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Vae.Checkpoints;

namespace VaeWeb.Training;

public static class TrainingRegistration
{
    /// <summary>The training side: scheduling (hosted), execution, reporting, the run history and checkpoints.</summary>
    public static IServiceCollection AddTraining(this IServiceCollection services)
    {
        services.AddSingleton<TrainingStatusFeed>();
        services.AddSingleton<RunStore>();
        services.AddSingleton(sp => new CheckpointStore(Path.GetFullPath(sp.GetRequiredService<IOptions<VaeOptions>>().Value.StateDirectory)));
        services.AddSingleton<RunReporter>();
        services.AddSingleton<RunExecutor>();
        services.AddSingleton<RunScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<RunScheduler>());
        return services;
    }
}
