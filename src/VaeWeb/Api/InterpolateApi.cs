using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Serving;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;

namespace VaeWeb.Api;

/// <summary>One end of a path: a latent vector, a test-set image by index, or 784 pixels (encoded to μ).</summary>
public sealed record LatentEndpoint(float[]? Z, int? Index, float[]? Pixels)
{
    /// <summary>Reads one end strictly: an object with exactly one of z (the model's latent size), index or pixels.</summary>
    public static LatentEndpoint Read(JsonElement end, string name, int latentDim)
    {
        var allowed = $"{name} must be an object with exactly one of z ({latentDim} numbers), index (a test-set image) or pixels ({ModelConfig.Pixels} numbers in [0, 1])";
        if (end.ValueKind != JsonValueKind.Object)
        {
            throw BadInputException.Invalid(name, $"{allowed}.");
        }

        JsonInput.RequireObject<LatentEndpoint>(end);
        var (z, index, pixels) = (JsonInput.Field(end, "z"), JsonInput.Field(end, "index"), JsonInput.Field(end, "pixels"));
        if ((z is null ? 0 : 1) + (index is null ? 0 : 1) + (pixels is null ? 0 : 1) != 1)
        {
            throw BadInputException.Invalid(name, $"{allowed}.");
        }

        return new LatentEndpoint(
            z is { } vector ? JsonInput.Vector(vector, $"{name}.z", latentDim, unitRange: false) : null,
            index is { } i ? JsonInput.WholeNumber(i, $"{name}.index", 0, int.MinValue, int.MaxValue) : null,
            pixels is { } image ? JsonInput.Vector(image, $"{name}.pixels", ModelConfig.Pixels, unitRange: true) : null);
    }

    /// <summary>The latent point: z as given, or μ of the test image or of the pixels.</summary>
    public float[] Resolve(string name, InferenceModel model, DigitSplit test)
    {
        if (Z is { } z)
        {
            return z;
        }

        if (Pixels is { } pixels)
        {
            return model.Encode([pixels]).Mu[0];
        }

        var i = Index!.Value;
        return i >= 0 && i < test.Count
            ? model.Encode([test.Pixels(i)]).Mu[0]
            : throw new BadInputException(StatusCodes.Status404NotFound, $"{name}.index", $"{name}.index must be from 0 to {test.Count - 1} (the test split), got {i}.");
    }
}

/// <summary>The JSON body of <c>POST /interpolate</c>.</summary>
public sealed record InterpolateRequest(LatentEndpoint From, LatentEndpoint To, int? Steps, InterpolationMethod? Method)
{
    /// <summary>
    /// Reads steps, method and the presence of both ends. The ends themselves are read by
    /// <see cref="LatentEndpoint.Read"/> once the model, and so the latent size, is known.
    /// </summary>
    public static (int Steps, InterpolationMethod Method, JsonElement From, JsonElement To) ReadShape(JsonElement root)
    {
        var obj = JsonInput.RequireObject<InterpolateRequest>(root);
        var steps = JsonInput.WholeNumber(JsonInput.Field(obj, "steps"), "steps", Ranges.DefaultSteps, Ranges.MinSteps, Ranges.MaxSteps);
        var method = ReadMethod(JsonInput.Field(obj, "method"));
        var from = JsonInput.Field(obj, "from") ?? throw BadInputException.Invalid("from", "from is required: {\"z\":[…]}, {\"index\":n} or {\"pixels\":[784]}.");
        var to = JsonInput.Field(obj, "to") ?? throw BadInputException.Invalid("to", "to is required: {\"z\":[…]}, {\"index\":n} or {\"pixels\":[784]}.");
        return (steps, method, from, to);
    }

    private static InterpolationMethod ReadMethod(JsonElement? value)
    {
        var text = value is { ValueKind: JsonValueKind.String } s ? s.GetString() : null;
        return value is null ? InterpolationMethod.Lerp : text?.ToUpperInvariant() switch
        {
            "LERP" => InterpolationMethod.Lerp,
            "SLERP" => InterpolationMethod.Slerp,
            _ => throw BadInputException.Invalid("method", $"method must be 'lerp' or 'slerp', got {value.Value.GetRawText()}."),
        };
    }
}

/// <summary>The path and its decoded images (t = 0 … 1).</summary>
public sealed record InterpolateResponse(
    string ModelVersion,
    InterpolationMethod Method,
    int Steps,
    IReadOnlyList<float[]> Zs,
    IReadOnlyList<float[]> Images);

/// <summary><c>POST /interpolate</c>: walk between two points of the latent space.</summary>
public static class InterpolateApi
{
    public static RouteHandlerBuilder MapInterpolateApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/interpolate", Interpolate)
            .WithTags("Latent space")
            .WithName("Interpolate")
            .WithSummary("Decode a path between two latent points")
            .WithDescription("JSON {\"from\":{…},\"to\":{…},\"steps\":10,\"method\":\"lerp\"|\"slerp\"}; each end is {\"z\":[latentDim]}, {\"index\":n} (test split of the model's data set) or {\"pixels\":[784]}. A PNG strip by default; JSON with the latent path and images with Accept: application/json or format=json.")
            .AcceptsBody<InterpolateRequest>(false, "application/json")
            .ProducesImageOr<InterpolateResponse>()
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesNoModel();

    public static async Task<Results<FileContentHttpResult, Ok<InterpolateResponse>>> Interpolate(
        [AsParameters] ModelCall call,
        ModelDatasets datasets,
        [FromQuery(Name = "format")] string? format)
    {
        var json = call.WantsJson(QueryInput.Format(format));
        var root = (await call.ReadBodyAsync(imagesAllowed: false)).JsonOr("from", "The body must be JSON with from, to, steps and method.");
        var (steps, method, fromJson, toJson) = InterpolateRequest.ReadShape(root);
        using var lease = call.Lease();
        var test = datasets.Of(lease.Model.Version).Test;
        return await call.ComputeAsync<Results<FileContentHttpResult, Ok<InterpolateResponse>>>(lease, steps, m =>
        {
            // Each end is read and resolved in turn, so the first wrong end is the one reported.
            var from = LatentEndpoint.Read(fromJson, "from", m.LatentDim);
            var a = from.Resolve("from", m, test);
            var to = LatentEndpoint.Read(toJson, "to", m.LatentDim);
            var zs = Interpolation.Path(method, a, to.Resolve("to", m, test), steps);
            var images = m.Decode(zs);
            return json
                ? TypedResults.Ok(new InterpolateResponse(m.Version, method, steps, zs, images))
                : TypedResults.File(PngRenderer.Strip(images), "image/png");
        });
    }
}
