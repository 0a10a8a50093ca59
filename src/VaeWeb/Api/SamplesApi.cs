using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
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
            .WithDescription("A PNG grid of 28×28 tiles by default; JSON with Accept: application/json or format=json. The same seed and model version give the same images.")
            .Produces<SamplesResponse>(StatusCodes.Status200OK, "image/png", "application/json")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    public static Results<FileContentHttpResult, Ok<SamplesResponse>, ValidationProblem, ProblemHttpResult> GetSamples(
        HttpContext context,
        ModelHost models,
        IOptions<VaeOptions> options,
        [FromQuery(Name = "n")] string? n,
        [FromQuery(Name = "seed")] string? seed,
        [FromQuery(Name = "format")] string? format)
    {
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
        var images = model.Sample(count, seedValue);
        context.Response.Headers[ResponseFormat.ModelVersionHeader] = model.Version;
        context.Response.Headers["X-Seed"] = seedValue.ToString(CultureInfo.InvariantCulture);
        if (ResponseFormat.WantsJson(context.Request, format))
        {
            return TypedResults.Ok(new SamplesResponse(model.Version, model.LatentDim, seedValue, images));
        }

        return TypedResults.File(PngRenderer.Grid(images), "image/png");
    }
}
