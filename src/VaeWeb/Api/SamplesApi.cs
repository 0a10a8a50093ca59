using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
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
            .Produces<SamplesResponse>(StatusCodes.Status200OK, "image/png", "application/json")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    public static async Task<Results<FileContentHttpResult, Ok<SamplesResponse>, StatusCodeHttpResult, ValidationProblem, ProblemHttpResult>> GetSamples(
        HttpContext context,
        ModelHost models,
        SampleCache cache,
        InferenceGate gate,
        IOptions<VaeOptions> options,
        [FromQuery(Name = "n")] string? n,
        [FromQuery(Name = "seed")] string? seed,
        [FromQuery(Name = "format")] string? format,
        Samplers samplers,
        [FromQuery(Name = "sampler")] string? sampler = null,
        [FromQuery(Name = "temperature")] string? temperature = null,
        [FromQuery(Name = "digit")] string? digit = null)
    {
        SamplerChoice choice;
        try
        {
            choice = SamplerQuery.Read(sampler, temperature, digit);
        }
        catch (BadInputException e)
        {
            return e.ToProblem();
        }

        var max = options.Value.Serving.MaxItems;
        var count = 16;
        if (n is not null && (!int.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out count) || count < 1 || count > max))
        {
            return Problems.Invalid("n", $"n must be an integer from 1 to {max}, got '{n}'.");
        }

        long seedValue;
        if (seed is null)
        {
            seedValue = Random.Shared.NextInt64(0, long.MaxValue);
        }
        else if (!long.TryParse(seed, NumberStyles.Integer, CultureInfo.InvariantCulture, out seedValue) || seedValue < 0)
        {
            return Problems.Invalid("seed", $"seed must be a non-negative integer, got '{seed}'.");
        }

        if (ResponseFormat.Validate(format) is { } formatProblem)
        {
            return Problems.Invalid("format", formatProblem);
        }

        using var lease = models.TryAcquire();
        if (lease is null)
        {
            return Problems.NoModel();
        }

        var model = lease.Model;
        if (choice.Kind == SamplerKind.Aggregate && !samplers.TryAggregate(model, out var reason))
        {
            return BadInputException.Problem(StatusCodes.Status400BadRequest, "sampler", $"sampler=aggregate is not available for this model: {reason}");
        }

        var json = ResponseFormat.WantsJson(context.Request, format);
        var headers = context.Response.Headers;
        headers[ResponseFormat.ModelVersionHeader] = model.Version;
        headers["X-Seed"] = seedValue.ToString(CultureInfo.InvariantCulture);
        if (seed is null)
        {
            // A fresh random draw each time: nothing to reuse.
            headers.CacheControl = "no-store";
            using var slot = await gate.EnterAsync(count, context.RequestAborted);
            var drawn = samplers.Draw(model, count, seedValue, choice);
            return json
                ? TypedResults.Ok(new SamplesResponse(model.Version, model.LatentDim, seedValue, drawn, SamplerInfo.Of(choice)))
                : TypedResults.File(PngRenderer.Grid(drawn), "image/png");
        }

        // Seeded: the bytes depend only on (model version, n, seed, format). Clients may keep them
        // but must revalidate, because a new model version changes them under the same URL.
        var etag = $"\"{model.Version}.n{count}.s{seedValue}{SamplerInfo.EtagPart(choice)}.{(json ? "json" : "png")}\"";
        headers.ETag = etag;
        headers.CacheControl = "no-cache";
        headers.Vary = "Accept";
        if (ResponseFormat.Matches(context.Request.Headers.IfNoneMatch, etag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var entry = cache.TryGet(model.Version, count, seedValue, choice.Key);
        if (entry is null || (!json && !entry.HasPng))
        {
            using var slot = await gate.EnterAsync(count, context.RequestAborted);
            entry = cache.GetOrAdd(model.Version, count, seedValue, () => samplers.Draw(model, count, seedValue, choice), choice.Key);
            if (!json)
            {
                entry.Png(PngRenderer.Grid);
            }
        }

        return json
            ? TypedResults.Ok(new SamplesResponse(model.Version, model.LatentDim, seedValue, entry.Images, SamplerInfo.Of(choice)))
            : TypedResults.File(entry.Png(PngRenderer.Grid), "image/png");
    }
}
