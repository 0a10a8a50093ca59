using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Imaging;

namespace VaeWeb.Api;

/// <summary>Decoded images as JSON: each 784 numbers in [0, 1], row-major.</summary>
public sealed record DecodeResponse(string ModelVersion, int LatentDim, IReadOnlyList<float[]> Images);

/// <summary>The JSON body of <c>POST /decode</c>: one <c>z</c> or up to Vae:Serving:MaxItems <c>zs</c>.</summary>
public sealed record DecodeRequest(float[]? Z, float[][]? Zs)
{
    /// <summary>The latent vectors to decode: <c>[z]</c> or <c>zs</c>.</summary>
    public float[][] Latents => Z is { } one ? [one] : Zs!;

    /// <summary>Reads the body strictly: the model's latent size, finite numbers, z or zs but not both.</summary>
    public static DecodeRequest Read(JsonElement root, int latentDim, int maxItems)
    {
        var obj = JsonInput.RequireObject<DecodeRequest>(root);
        return (JsonInput.Field(obj, "z"), JsonInput.Field(obj, "zs")) switch
        {
            ({ } one, null) => new DecodeRequest(JsonInput.Vector(one, "z", latentDim, unitRange: false), null),
            (null, { } many) => new DecodeRequest(null, JsonInput.Vectors(many, "zs", latentDim, unitRange: false, maxItems)),
            (null, null) => throw BadInputException.Invalid("z", $"The body must hold z ({latentDim} numbers) or zs (1 to {maxItems} such arrays)."),
            _ => throw BadInputException.Invalid("z", "Send either z or zs, not both."),
        };
    }
}

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
            .ProducesImageOr<DecodeResponse>()
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesNoModel();

    public static async Task<Results<FileContentHttpResult, Ok<DecodeResponse>>> Decode(
        [AsParameters] ModelCall call,
        [FromQuery(Name = "format")] string? format)
    {
        var json = call.WantsJson(QueryInput.Format(format));
        var root = (await call.ReadBodyAsync(imagesAllowed: false)).JsonOr("z", "The body must be JSON with z (one latent vector) or zs (a batch).");
        using var lease = call.Lease();
        var request = DecodeRequest.Read(root, lease.Model.LatentDim, call.MaxItems);
        return await call.ComputeAsync<Results<FileContentHttpResult, Ok<DecodeResponse>>>(lease, request.Latents.Length, m =>
        {
            var images = m.Decode(request.Latents);
            return json
                ? TypedResults.Ok(new DecodeResponse(m.Version, m.LatentDim, images))
                : TypedResults.File(PngRenderer.Grid(images), "image/png");
        });
    }
}
