using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;

namespace VaeWeb.Limits;

/// <summary>Endpoint metadata: the body may be at most <c>Vae:Limits:MaxUploadBytes</c>.</summary>
public sealed record UploadLimitMetadata;

/// <summary>
/// For endpoints marked with <see cref="UploadLimitExtensions.WithUploadLimit{TBuilder}"/>: a declared
/// length over the limit is refused with 413 before a byte is read; for bodies without a length
/// the server's body-size feature is lowered to the limit, so reading past it fails with 413 too.
/// </summary>
public sealed class UploadLimitMiddleware(RequestDelegate next, IOptions<VaeOptions> options)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<UploadLimitMetadata>() is null)
        {
            await next(context);
            return;
        }

        var max = options.Value.Limits.MaxUploadBytes;
        if (context.Request.ContentLength > max)
        {
            await TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The body is too large",
                detail: $"The body may be at most {max} bytes (Vae:Limits:MaxUploadBytes), got {context.Request.ContentLength}.")
                .ExecuteAsync(context);
            return;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = max;
        }

        await next(context);
    }
}

public static class UploadLimitExtensions
{
    /// <summary>Limits the request body to <c>Vae:Limits:MaxUploadBytes</c> (413 beyond it).</summary>
    public static TBuilder WithUploadLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new UploadLimitMetadata());

    public static IApplicationBuilder UseUploadLimits(this IApplicationBuilder app) => app.UseMiddleware<UploadLimitMiddleware>();
}
