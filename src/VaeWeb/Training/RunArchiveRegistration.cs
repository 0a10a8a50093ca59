namespace VaeWeb.Training;

public static class RunArchiveRegistration
{
    /// <summary>Export and import of runs, with their options ("Vae:Lab") validated at start-up.</summary>
    public static IServiceCollection AddRunArchive(this IServiceCollection services)
    {
        services.AddOptions<RunArchiveOptions>()
            .BindConfiguration(RunArchiveOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<RunExporter>();
        services.AddSingleton<RunImporter>();
        return services;
    }
}
