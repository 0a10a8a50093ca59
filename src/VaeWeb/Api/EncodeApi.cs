using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Configuration;
using VaeWeb.Vae.Latent;

namespace VaeWeb.Api;

/// <summary>
/// The posterior of each image. One image (an upload or <c>pixels</c>) fills <c>mu</c>, <c>logVar</c>
/// and, when asked, <c>z</c>; a batch (<c>images</c>) fills <c>mus</c>, <c>logVars</c>, <c>zs</c>.
/// <c>pixels</c> echoes the 28×28 input the model saw (an upload after MNIST-style preprocessing).
/// </summary>
public sealed record EncodeResponse(
    string ModelVersion,
    int LatentDim,
    float[]? Mu,
    float[]? LogVar,
    float[]? Z,
    float[][]? Mus,
    float[][]? LogVars,
    float[][]? Zs,
    long? Seed,
    float[]? Pixels);

/// <summary>
/// What <c>POST /encode</c> takes: one image (<c>pixels</c>, or an upload made MNIST-like) or a batch
/// (<c>images</c>), each 784 numbers in [0, 1]; <c>sample</c> adds z = μ + σ·ε drawn with <c>seed</c>.
/// An upload takes <c>sample</c> and <c>seed</c> from the query instead.
/// </summary>
public sealed record EncodeRequest(float[]? Pixels, float[][]? Images, bool? Sample, long? Seed)
{
    /// <summary>The images to encode: <c>[pixels]</c> or <c>images</c>.</summary>
    public float[][] Batch => Pixels is { } one ? [one] : Images!;

    public static EncodeRequest Read(RequestBody body, string? sample, string? seed, VaeOptions options, CancellationToken cancellationToken)
    {
        if (body.OptionalJson<EncodeRequest>() is { } json)
        {
            var wantsSample = JsonInput.Bool(JsonInput.Field(json, "sample"), "sample");
            var seedValue = JsonInput.Seed(JsonInput.Field(json, "seed"));
            var (pixels, images) = RequestBodies.JsonImages(json, options.Serving.MaxItems);
            return new EncodeRequest(pixels, images, wantsSample, seedValue);
        }

        var querySample = QueryInput.Bool(sample, "sample");
        var querySeed = QueryInput.Seed(seed);
        return new EncodeRequest(RequestBodies.Upload(body, options, cancellationToken), null, querySample, querySeed);
    }
}

/// <summary><c>POST /encode</c>: image(s) to the parameters of q(z|x).</summary>
public static class EncodeApi
{
    public static RouteHandlerBuilder MapEncodeApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/encode", Encode)
            .WithTags("Latent space")
            .WithName("Encode")
            .WithSummary("Encode an image to μ and log σ² of q(z|x)")
            .WithDescription("Body: a PNG or JPEG (raw, or multipart field 'file'; any size, made MNIST-like: grayscale, light on dark, fitted to 20×20, centred by mass in 28×28), or JSON {\"pixels\":[784]} / {\"images\":[[784],…]} with values in [0, 1]. sample=true (JSON field or query) adds z = μ + σ·ε drawn with seed.")
            .AcceptsImageOr<EncodeRequest>()
            .Produces<EncodeResponse>()
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesNoModel()
            .DisableAntiforgery();

    public static async Task<Ok<EncodeResponse>> Encode(
        [AsParameters] ModelCall call,
        [FromQuery(Name = "sample")] string? sample,
        [FromQuery(Name = "seed")] string? seed)
    {
        var request = EncodeRequest.Read(await call.ReadBodyAsync(imagesAllowed: true), sample, seed, call.Settings, call.Aborted);
        var seedValue = request.Seed ?? Random.Shared.NextInt64(0, long.MaxValue);
        var wantsSample = request.Sample == true;
        using var lease = call.Lease();
        var (mu, logVar, z) = await call.ComputeAsync(lease, request.Batch.Length, m =>
        {
            var (mu, logVar) = m.Encode(request.Batch);
            return (mu, logVar, wantsSample ? Reconstructions.Sample(mu, logVar, seedValue) : null);
        });
        var (version, latentDim, seedShown) = (lease.Model.Version, lease.Model.LatentDim, wantsSample ? seedValue : (long?)null);
        return TypedResults.Ok(request.Pixels is not null
            ? new EncodeResponse(version, latentDim, mu[0], logVar[0], z?[0], null, null, null, seedShown, request.Pixels)
            : new EncodeResponse(version, latentDim, null, null, null, mu, logVar, z, seedShown, null));
    }
}
