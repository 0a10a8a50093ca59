using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;

namespace VaeWeb.Security;

/// <summary>
/// Refuses a state-changing request that a browser sent on behalf of a page from another origin.
/// Any open web page can make the user's browser POST or DELETE to this service (a body-less or
/// form-encoded POST is a "simple" request that no CORS preflight stops), and the request arrives
/// from loopback, which is trusted for training control when no key is set. So every request with
/// an unsafe method (POST, PUT, PATCH, DELETE: training control, and compute that spends the
/// user's CPU) is checked the way OWASP's CSRF guidance describes for APIs without cookies:
/// <list type="bullet">
/// <item>Origin verification: an <c>Origin</c> header that is present must be this service's own
/// origin or one listed in <c>Vae:Security:AllowedOrigins</c> (<c>null</c>, sent by sandboxed and
/// file pages, is refused).</item>
/// <item>Fetch Metadata: <c>Sec-Fetch-Site: cross-site</c> is refused unless the origin is allowed.</item>
/// </list>
/// Clients that are not browsers (curl, scripts, generated clients) send neither header and are
/// unaffected. Antiforgery tokens are not used: they protect cookie-authenticated form posts, while
/// this API has no cookies or sessions to ride on, and a token would break every curl and script
/// client while adding nothing that the browser-set, unforgeable Origin and Sec-Fetch-Site headers
/// do not already prove. A DNS-rebound page is same-origin and sends neither foreign header; host
/// filtering (<c>AllowedHosts</c>) refuses its Host name instead.
/// </summary>
public sealed class CrossSiteRequestGuard(RequestDelegate next, IOptionsMonitor<VaeOptions> options)
{
    public const string OriginHeader = "Origin";
    public const string FetchSiteHeader = "Sec-Fetch-Site";

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        {
            return next(context);
        }

        var origin = request.Headers[OriginHeader].ToString();
        if (options.CurrentValue.Security.AllowedOrigins.Any(a => string.Equals(a.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase)))
        {
            return next(context); // a trusted web application, cross-site by design
        }

        var own = $"{request.Scheme}://{request.Host}";
        if (origin.Length > 0 && !string.Equals(origin, own, StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(context, $"This request was sent by a web page from {origin}, which is not this service's origin ({own}).");
        }

        return string.Equals(request.Headers[FetchSiteHeader].ToString(), "cross-site", StringComparison.OrdinalIgnoreCase)
            ? Refuse(context, "This request was sent by a page on another site (Sec-Fetch-Site: cross-site).")
            : next(context);
    }

    private static Task Refuse(HttpContext context, string why) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "Cross-site request refused",
            detail: $"{why} A page on another site cannot start, cancel or run work on this service through the visitor's browser. " +
                    "To let a trusted web application call it, add its origin (scheme://host:port) to Vae:Security:AllowedOrigins.")
            .ExecuteAsync(context);
}
