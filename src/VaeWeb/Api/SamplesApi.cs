using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Serving;

namespace VaeWeb.Api;

/// <summary>Samples as JSON: each image is 784 numbers in [0, 1], row-major; <c>sampler</c> is present when the request named a sampler other than the reference.</summary>
public sealed record SamplesResponse(string ModelVersion, int LatentDim, long Seed, IReadOnlyList<float[]> Images, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SamplerInfo? Sampler = null);

/// <summary><c>GET /samples</c>: draws z (from the prior by default, or the aggregate posterior), decoded by the serving model.</summary>
public static class SamplesApi
{
    public static RouteGroupBuilder MapSamplesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/samples").WithTags("Generation");
        group.MapGet("/", GetSamples)
            .WithName("GetSamples")
            .WithSummary("Decode n draws of z: from N(0, I) (sampler=prior, the default) or the aggregate posterior (sampler=aggregate, optionally one digit)")
            .WithDescription("A PNG grid of 28×28 tiles by default; JSON with Accept: application/json or format=json. The same seed and model version give the same images, so a seeded response carries an ETag (revalidate with If-None-Match for a 304) until the model changes. temperature (0–3, default 1) scales the spread of either sampler.")
            .ProducesImageOr<SamplesResponse>()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ProducesNoModel();
        return group;
    }

    public static async Task<Results<FileContentHttpResult, Ok<SamplesResponse>, StatusCodeHttpResult>> GetSamples(
        [AsParameters] ModelCall call,
        SampleCache cache,
        [FromQuery(Name = "n")] string? n,
        [FromQuery(Name = "seed")] string? seed,
        [FromQuery(Name = "format")] string? format,
        Samplers samplers,
        [FromQuery(Name = "sampler")] string? sampler = null,
        [FromQuery(Name = "temperature")] string? temperature = null,
        [FromQuery(Name = "digit")] string? digit = null)
    {
        var choice = SamplerQuery.Read(sampler, temperature, digit);
        var count = QueryInput.WholeNumber(n, "n", Ranges.DefaultSamples, Ranges.MinItems, call.MaxItems);
        var fixedSeed = QueryInput.Seed(seed);
        var json = call.WantsJson(QueryInput.Format(format));
        using var lease = call.Lease();
        var model = lease.Model;
        if (choice.Kind == SamplerKind.Aggregate && !samplers.TryAggregate(model, out var reason))
        {
            throw BadInputException.Invalid("sampler", $"sampler=aggregate is not available for this model: {reason}");
        }

        var seedValue = fixedSeed ?? Random.Shared.NextInt64(0, long.MaxValue);
        call.Stamp(model);
        call.Context.Response.Headers["X-Seed"] = seedValue.ToString(CultureInfo.InvariantCulture);
        if (fixedSeed is null)
        {
            // A fresh random draw each time: nothing to reuse.
            call.Context.Response.Headers.CacheControl = "no-store";
            var (drawn, png) = await call.ComputeAsync(lease, count, m =>
            {
                var images = samplers.Draw(m, count, seedValue, choice);
                return (images, json ? null : PngRenderer.Grid(images));
            });
            return Respond(model.Version, model.LatentDim, seedValue, drawn, png, choice);
        }

        return await Seeded(call, cache, samplers, lease, count, seedValue, json, choice);
    }

    /// <summary>
    /// Seeded: the bytes depend only on (model version, n, seed, format). Clients may keep them but
    /// must revalidate, because a new model version changes them under the same URL.
    /// </summary>
    private static async Task<Results<FileContentHttpResult, Ok<SamplesResponse>, StatusCodeHttpResult>> Seeded(
        ModelCall call, SampleCache cache, Samplers samplers, ModelLease lease, int count, long seed, bool json, SamplerChoice choice)
    {
        var model = lease.Model;
        var etag = $"\"{model.Version}.n{count}.s{seed}{SamplerInfo.EtagPart(choice)}.{(json ? "json" : "png")}\"";
        var headers = call.Context.Response.Headers;
        headers.ETag = etag;
        headers.CacheControl = "no-cache";
        headers.Vary = "Accept";
        if (ResponseFormat.Matches(call.Request.Headers.IfNoneMatch, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var entry = cache.TryGet(model.Version, count, seed, choice.Key);
        if (entry is null || (!json && !entry.HasPng))
        {
            entry = await call.ComputeAsync(lease, count, m =>
            {
                var added = cache.GetOrAdd(m.Version, count, seed, () => samplers.Draw(m, count, seed, choice), choice.Key);
                if (!json)
                {
                    added.Png(PngRenderer.Grid);
                }

                return added;
            });
        }

        return Respond(model.Version, model.LatentDim, seed, entry.Images, json ? null : entry.Png(PngRenderer.Grid), choice);
    }

    private static Results<FileContentHttpResult, Ok<SamplesResponse>, StatusCodeHttpResult> Respond(
        string version, int latentDim, long seed, IReadOnlyList<float[]> images, byte[]? png, SamplerChoice choice) =>
        png is null
            ? TypedResults.Ok(new SamplesResponse(version, latentDim, seed, images, SamplerInfo.Of(choice)))
            : TypedResults.File(png, "image/png");
}
