using VaeWeb.Data;

namespace VaeWeb.Serving;

public static class ServingRegistration
{
    /// <summary>The data sets, the serving model and what requests share around it: caches and gates.</summary>
    public static IServiceCollection AddServing(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<DatasetCatalog>();
        services.AddSingleton<LayerFormSelection>();
        services.AddSingleton<ModelHost>();
        services.AddSingleton<ModelCache>();
        services.AddSingleton<ServedModels>();
        services.AddSingleton<ModelDatasets>();
        services.AddSingleton<SampleCache>();
        services.AddSingleton<LatentCache>();
        services.AddSingleton<InferenceGate>();
        services.AddSingleton<EvaluationGate>();
        services.AddHostedService<ServingStartup>();
        return services;
    }
}
