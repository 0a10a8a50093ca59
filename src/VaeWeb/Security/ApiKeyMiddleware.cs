using Microsoft.AspNetCore.Http.HttpResults;

namespace VaeWeb.Security;

/// <summary>
/// Enforces the <see cref="AccessRequirement"/> of the matched endpoint (after routing, before the
/// rate limiter, so refused callers never take a compute slot). Works for every kind of endpoint,
/// route handlers and middleware-backed ones alike.
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyAccess access)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var requirement = context.GetEndpoint()?.Metadata.GetMetadata<AccessRequirement>();
        if (requirement is null)
        {
            await next(context);
            return;
        }

        switch (access.Check(context, requirement.Level))
        {
            case AccessDecision.Allowed:
                await next(context);
                return;
            case AccessDecision.MissingOrWrongKey:
                context.Response.Headers.WWWAuthenticate = $"{ApiKeyAccess.SchemeName} header=\"{ApiKeyAccess.HeaderName}\"";
                await Refuse(context, StatusCodes.Status401Unauthorized, "API key required", $"Send the configured API key in the {ApiKeyAccess.HeaderName} header.");
                return;
            default:
                await Refuse(
                    context,
                    StatusCodes.Status403Forbidden,
                    "Training control is limited to this machine",
                    $"No API key is configured, so training control is accepted only from loopback clients. Configure Vae:Security:ApiKey and send it as {ApiKeyAccess.HeaderName} to control training remotely.");
                return;
        }
    }

    private static Task Refuse(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}

public static class AccessExtensions
{
    /// <summary>Training control: the API key when one is configured, otherwise loopback clients only.</summary>
    public static TBuilder RequireTrainingControl<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessRequirement(AccessLevel.TrainingControl));

    /// <summary>Read and inference: open, or behind the key when <c>Vae:Security:RequireKeyForReads</c> is on.</summary>
    public static TBuilder RequireReadAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AccessRequirement(AccessLevel.Read));

    public static IApplicationBuilder UseApiKeyAccess(this IApplicationBuilder app) => app.UseMiddleware<ApiKeyMiddleware>();
}
