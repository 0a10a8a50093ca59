using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Serving;
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

/// <summary><c>POST /encode</c>: image(s) to the parameters of q(z|x).</summary>
public static class EncodeApi
{
    private static readonly string[] JsonFields = ["pixels", "images", "sample", "seed"];

    public static RouteHandlerBuilder MapEncodeApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/encode", Encode)
            .WithTags("Latent space")
            .WithName("Encode")
            .WithSummary("Encode an image to μ and log σ² of q(z|x)")
            .WithDescription("Body: a PNG or JPEG (raw, or multipart field 'file'; any size, made MNIST-like: grayscale, light on dark, fitted to 20×20, centred by mass in 28×28), or JSON {\"pixels\":[784]} / {\"images\":[[784],…]} with values in [0, 1]. sample=true (JSON field or query) adds z = μ + σ·ε drawn with seed.")
            .AcceptsBody<EncodeRequest>(false, "application/json", "image/png", "image/jpeg", "multipart/form-data")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery();

    public static async Task<Results<Ok<EncodeResponse>, ProblemHttpResult>> Encode(
        HttpContext context,
        ModelHost models,
        InferenceGate gate,
        IOptions<VaeOptions> options,
        [FromQuery(Name = "sample")] string? sample,
        [FromQuery(Name = "seed")] string? seed,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        try
        {
            var body = await RequestBodies.ReadAsync(context.Request, limits, imagesAllowed: true, cancellationToken);
            var json = body is RequestBody.Json j ? JsonInput.RequireObject(j.Root, JsonFields) : (System.Text.Json.JsonElement?)null;
            var wantsSample = json is { } o ? JsonInput.Bool(JsonInput.Field(o, "sample"), "sample") : QueryBool(sample, "sample");
            var seedValue = (json is { } o2 ? JsonInput.Seed(JsonInput.Field(o2, "seed")) : QuerySeed(seed)) ?? Random.Shared.NextInt64(0, long.MaxValue);
            var inputs = RequestBodies.Images(body, json, limits, cancellationToken);

            using var lease = models.TryAcquire();
            if (lease is null)
            {
                return Problems.NoModel();
            }

            var model = lease.Model;
            using var slot = await gate.EnterAsync(inputs.Images.Length, cancellationToken);
            var (mu, logVar) = model.Encode(inputs.Images);
            var z = wantsSample ? Reconstructions.Sample(mu, logVar, seedValue) : null;
            context.Response.Headers[ResponseFormat.ModelVersionHeader] = model.Version;
            var single = inputs.Uploaded || json is { } o3 && JsonInput.Field(o3, "pixels") is not null;
            return TypedResults.Ok(single
                ? new EncodeResponse(model.Version, model.LatentDim, mu[0], logVar[0], z?[0], null, null, null, wantsSample ? seedValue : null, inputs.Images[0])
                : new EncodeResponse(model.Version, model.LatentDim, null, null, null, mu, logVar, z, wantsSample ? seedValue : null, null));
        }
        catch (BadInputException e)
        {
            return e.ToProblem();
        }
    }

    internal static bool QueryBool(string? value, string field) => value switch
    {
        null => false,
        _ when bool.TryParse(value, out var b) => b,
        _ => throw BadInputException.Invalid(field, $"{field} must be true or false, got '{value}'."),
    };

    internal static long? QuerySeed(string? value) => value switch
    {
        null => null,
        _ when long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) && s >= 0 => s,
        _ => throw BadInputException.Invalid("seed", $"seed must be a non-negative integer, got '{value}'."),
    };
}

/// <summary>The JSON form of an encode request (for the OpenAPI document).</summary>
public sealed record EncodeRequest(float[]? Pixels, float[][]? Images, bool? Sample, long? Seed);
