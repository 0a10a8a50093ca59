using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Serving;

namespace VaeWeb.Api;

/// <summary>Decoded images as JSON: each 784 numbers in [0, 1], row-major.</summary>
public sealed record DecodeResponse(string ModelVersion, int LatentDim, IReadOnlyList<float[]> Images);

/// <summary>The JSON body of <c>POST /decode</c>: one <c>z</c> or up to 256 <c>zs</c>.</summary>
public sealed record DecodeRequest(float[]? Z, float[][]? Zs);

/// <summary><c>POST /decode</c>: latent vectors to images.</summary>
public static class DecodeApi
{
    public static RouteHandlerBuilder MapDecodeApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/decode", Decode)
            .WithTags("Latent space")
            .WithName("Decode")
            .WithSummary("Decode latent vectors to images")
            .WithDescription("JSON {\"z\":[latentDim]} or {\"zs\":[[latentDim],…]} (up to Vae:Serving:MaxItems). A PNG grid by default; JSON with Accept: application/json or format=json.")
            .AcceptsBody<DecodeRequest>(false, "application/json")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Produces<DecodeResponse>(StatusCodes.Status200OK, "application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status503ServiceUnavailable);

    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>, ProblemHttpResult>> Decode(
        HttpContext context,
        ModelHost models,
        InferenceGate gate,
        IOptions<VaeOptions> options,
        [FromQuery(Name = "format")] string? format,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        try
        {
            if (ResponseFormat.Validate(format) is { } formatProblem)
            {
                throw BadInputException.Invalid("format", formatProblem);
            }

            var body = await RequestBodies.ReadAsync(context.Request, limits, imagesAllowed: false, cancellationToken);
            if (body is not RequestBody.Json json)
            {
                throw BadInputException.Invalid("z", "The body must be JSON with z (one latent vector) or zs (a batch).");
            }

            using var lease = models.TryAcquire();
            if (lease is null)
            {
                return Problems.NoModel();
            }

            var model = lease.Model;
            var zs = ReadLatents(json.Root, model.LatentDim, limits.Serving.MaxItems);
            using var slot = await gate.EnterAsync(zs.Length, cancellationToken);
            var images = model.Decode(zs);
            context.Response.Headers[ResponseFormat.ModelVersionHeader] = model.Version;
            return ResponseFormat.WantsJson(context.Request, format)
                ? TypedResults.Ok(new DecodeResponse(model.Version, model.LatentDim, images))
                : TypedResults.File(PngRenderer.Grid(images), "image/png");
        }
        catch (BadInputException e)
        {
            return e.ToProblem();
        }
    }

    private static float[][] ReadLatents(JsonElement root, int latentDim, int maxItems)
    {
        var obj = JsonInput.RequireObject(root, "z", "zs");
        var z = JsonInput.Field(obj, "z");
        var zs = JsonInput.Field(obj, "zs");
        return (z, zs) switch
        {
            ({ } one, null) => [JsonInput.Vector(one, "z", latentDim, unitRange: false)],
            (null, { } many) => JsonInput.Vectors(many, "zs", latentDim, unitRange: false, maxItems),
            (null, null) => throw BadInputException.Invalid("z", $"The body must hold z ({latentDim} numbers) or zs (1 to {maxItems} such arrays)."),
            _ => throw BadInputException.Invalid("z", "Send either z or zs, not both."),
        };
    }
}
