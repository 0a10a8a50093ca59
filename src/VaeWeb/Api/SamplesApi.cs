using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Serving;

namespace VaeWeb.Api;

/// <summary>Samples as JSON: each image is 784 numbers in [0, 1], row-major.</summary>
public sealed record SamplesResponse(string ModelVersion, int LatentDim, long Seed, IReadOnlyList<float[]> Images);

/// <summary><c>GET /samples</c>: draws from the prior, decoded by the serving model.</summary>
public static class SamplesApi
{
    public static RouteGroupBuilder MapSamplesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/samples").WithTags("Generation");
        group.MapGet("/", GetSamples)
            .WithName("GetSamples")
            .WithSummary("Decode n draws of z ~ N(0, I)")
            .WithDescription("A PNG grid of 28×28 tiles by default; JSON with Accept: application/json or format=json. The same seed and model version give the same images, so a seeded response carries an ETag (revalidate with If-None-Match for a 304) until the model changes.")
            .ProducesImageOr<SamplesResponse>()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesInputProblems(StatusCodes.Status400BadRequest)
            .ProducesNoModel();
        return group;
    }

    public static async Task<Results<FileContentHttpResult, Ok<SamplesResponse>, StatusCodeHttpResult>> GetSamples(
        [AsParameters] ModelCall call,
        SampleCache cache,
        [FromQuery(Name = "n")] string? n,
        [FromQuery(Name = "seed")] string? seed,
        [FromQuery(Name = "format")] string? format)
    {
        var count = QueryInput.WholeNumber(n, "n", Ranges.DefaultSamples, Ranges.MinItems, call.MaxItems);
        var fixedSeed = QueryInput.Seed(seed);
        var json = call.WantsJson(QueryInput.Format(format));
        using var lease = call.Lease();
        var model = lease.Model;
        var seedValue = fixedSeed ?? Random.Shared.NextInt64(0, long.MaxValue);
        call.Stamp(model);
        call.Context.Response.Headers["X-Seed"] = seedValue.ToString(CultureInfo.InvariantCulture);
        if (fixedSeed is null)
        {
            // A fresh random draw each time: nothing to reuse.
            call.Context.Response.Headers.CacheControl = "no-store";
            var (drawn, png) = await call.ComputeAsync(lease, count, m =>
            {
                var images = m.Sample(count, seedValue);
                return (images, json ? null : PngRenderer.Grid(images));
            });
            return Respond(model.Version, model.LatentDim, seedValue, drawn, png);
        }

        return await Seeded(call, cache, lease, count, seedValue, json);
    }

    /// <summary>
    /// Seeded: the bytes depend only on (model version, n, seed, format). Clients may keep them but
    /// must revalidate, because a new model version changes them under the same URL.
    /// </summary>
    private static async Task<Results<FileContentHttpResult, Ok<SamplesResponse>, StatusCodeHttpResult>> Seeded(
        ModelCall call, SampleCache cache, ModelLease lease, int count, long seed, bool json)
    {
        var model = lease.Model;
        var etag = $"\"{model.Version}.n{count}.s{seed}.{(json ? "json" : "png")}\"";
        var headers = call.Context.Response.Headers;
        headers.ETag = etag;
        headers.CacheControl = "no-cache";
        headers.Vary = "Accept";
        if (ResponseFormat.Matches(call.Request.Headers.IfNoneMatch, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var entry = cache.TryGet(model.Version, count, seed);
        if (entry is null || (!json && !entry.HasPng))
        {
            entry = await call.ComputeAsync(lease, count, m =>
            {
                var added = cache.GetOrAdd(m.Version, count, seed, () => m.Sample(count, seed));
                if (!json)
                {
                    added.Png(PngRenderer.Grid);
                }

                return added;
            });
        }

        return Respond(model.Version, model.LatentDim, seed, entry.Images, json ? null : entry.Png(PngRenderer.Grid));
    }

    private static Results<FileContentHttpResult, Ok<SamplesResponse>, StatusCodeHttpResult> Respond(
        string version, int latentDim, long seed, IReadOnlyList<float[]> images, byte[]? png) =>
        png is null
            ? TypedResults.Ok(new SamplesResponse(version, latentDim, seed, images))
            : TypedResults.File(png, "image/png");
}
