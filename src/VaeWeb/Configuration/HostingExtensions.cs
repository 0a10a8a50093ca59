using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace VaeWeb.Configuration;

public static class HostingExtensions
{
    /// <summary>
    /// The repository keeps appsettings*.json at its root and the build copies them beside the
    /// assembly. Read them from there rather than from the content root, which differs between
    /// dotnet run, the test host and a publish folder; their place in the source order (and so
    /// environment variables and the command line overriding them) is unchanged.
    /// </summary>
    public static void ReadAppSettingsFromAppBase(this IConfigurationBuilder configuration)
    {
        var provider = new PhysicalFileProvider(AppContext.BaseDirectory);
        foreach (var source in configuration.Sources.OfType<JsonConfigurationSource>())
        {
            if (source.Path is { } path && path.StartsWith("appsettings", StringComparison.OrdinalIgnoreCase))
            {
                source.FileProvider = provider;
            }
        }

        if (configuration is IConfigurationRoot root)
        {
            root.Reload();
        }
    }
}
