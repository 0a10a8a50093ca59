using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Training;

namespace VaeWeb.Serving;

/// <summary>Samplers, the sample judge and the run history's sample scores, registered together.</summary>
public static class SampleQualityExtensions
{
    public static IServiceCollection AddSampleQuality(this IServiceCollection services)
    {
        services.AddSingleton<Samplers>();
        services.AddSingleton<JudgeStore>();
        services.AddSingleton<SampleQuality>();
        services.AddHostedService<JudgeWarmup>();
        services.AddHostedService<RunQualityRecorder>();
        return services;
    }
}

/// <summary>Starts training the default data set's judge in the background at start-up; start-up does not wait for it.</summary>
public sealed class JudgeWarmup(JudgeStore judges, IOptions<VaeOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Judge is { Enabled: true, TrainAtStart: true })
        {
            _ = judges.GetAsync(options.Value.DefaultDataset);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
