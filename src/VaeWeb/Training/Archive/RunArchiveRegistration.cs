namespace VaeWeb.Training;

public static class RunArchiveRegistration
{
    /// <summary>Export and import of runs (their limit is <c>Vae:Lab:MaxImportBytes</c>, validated with the other options).</summary>
    public static IServiceCollection AddRunArchive(this IServiceCollection services)
    {
        services.AddSingleton<RunExporter>();
        services.AddSingleton<RunImporter>();
        return services;
    }
}
