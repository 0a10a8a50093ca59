using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;

namespace VaeWeb.Security;

public static class SecurityExtensions
{
    /// <summary>
    /// Forwarded headers (X-Forwarded-For/-Proto/-Host) from the proxies in
    /// <c>Vae:Security:KnownProxies</c> / <c>KnownNetworks</c> only. With none configured the headers
    /// are ignored: ASP.NET Core would otherwise trust any loopback peer as a proxy, and behind a
    /// balancer on the same host every client is a loopback peer. With them, the real client's
    /// address is what loopback trust and the logs see.
    /// </summary>
    public static IServiceCollection AddVaeForwardedHeaders(this IServiceCollection services)
    {
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<VaeOptions>>((forwarded, vae) =>
        {
            var security = vae.Value.Security;
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in security.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in security.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }

            // One proxy hop: the balancer in front is the only one whose word we take.
            forwarded.ForwardLimit = 1;
        });
        return services;
    }

    /// <summary>Security headers first (so even refusals carry them), then forwarded headers when proxies are configured.</summary>
    public static IApplicationBuilder UseVaeBrowserSecurity(this IApplicationBuilder app)
    {
        app.UseMiddleware<SecurityHeaders>();
        var security = app.ApplicationServices.GetRequiredService<IOptions<VaeOptions>>().Value.Security;
        if (security.KnownProxies.Length > 0 || security.KnownNetworks.Length > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>After routing and before access checks: a cross-site request is refused before anything else looks at it.</summary>
    public static IApplicationBuilder UseCrossSiteRequestGuard(this IApplicationBuilder app) => app.UseMiddleware<CrossSiteRequestGuard>();
}
