using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Serving;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;

namespace VaeWeb.Api;

/// <summary>One end of a path: a latent vector, a test-set image by index, or 784 pixels (encoded to μ).</summary>
public sealed record LatentEndpoint(float[]? Z, int? Index, float[]? Pixels);

/// <summary>The JSON body of <c>POST /interpolate</c>.</summary>
public sealed record InterpolateRequest(LatentEndpoint From, LatentEndpoint To, int? Steps, InterpolationMethod? Method);

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
    public const int MinSteps = 2;
    public const int MaxSteps = 64;
    public const int DefaultSteps = 10;

    public static RouteHandlerBuilder MapInterpolateApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/interpolate", Interpolate)
            .WithTags("Latent space")
            .WithName("Interpolate")
            .WithSummary("Decode a path between two latent points")
            .WithDescription("JSON {\"from\":{…},\"to\":{…},\"steps\":10,\"method\":\"lerp\"|\"slerp\"}; each end is {\"z\":[latentDim]}, {\"index\":n} (test split of the model's data set) or {\"pixels\":[784]}. A PNG strip by default; JSON with the latent path and images with Accept: application/json or format=json.")
            .AcceptsBody<InterpolateRequest>(false, "application/json")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Produces<InterpolateResponse>(StatusCodes.Status200OK, "application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status503ServiceUnavailable);

    public static async Task<Results<FileContentHttpResult, Ok<InterpolateResponse>, ProblemHttpResult>> Interpolate(
        HttpContext context,
        ModelHost models,
        InferenceGate gate,
        ModelDatasets datasets,
        IOptions<VaeOptions> options,
        [FromQuery(Name = "format")] string? format,
        CancellationToken cancellationToken)
    {
        try
        {
            if (ResponseFormat.Validate(format) is { } formatProblem)
            {
                throw BadInputException.Invalid("format", formatProblem);
            }

            var body = await RequestBodies.ReadAsync(context.Request, options.Value, imagesAllowed: false, cancellationToken);
            if (body is not RequestBody.Json json)
            {
                throw BadInputException.Invalid("from", "The body must be JSON with from, to, steps and method.");
            }

            var obj = JsonInput.RequireObject(json.Root, "from", "to", "steps", "method");
            var steps = JsonInput.WholeNumber(JsonInput.Field(obj, "steps"), "steps", DefaultSteps, MinSteps, MaxSteps);
            var method = ReadMethod(JsonInput.Field(obj, "method"));
            var from = JsonInput.Field(obj, "from") ?? throw BadInputException.Invalid("from", "from is required: {\"z\":[…]}, {\"index\":n} or {\"pixels\":[784]}.");
            var to = JsonInput.Field(obj, "to") ?? throw BadInputException.Invalid("to", "to is required: {\"z\":[…]}, {\"index\":n} or {\"pixels\":[784]}.");

            using var lease = models.TryAcquire();
            if (lease is null)
            {
                return Problems.NoModel();
            }

            var model = lease.Model;
            using var slot = await gate.EnterAsync(steps, cancellationToken);
            var a = Resolve(from, "from", model, datasets);
            var b = Resolve(to, "to", model, datasets);
            var zs = Interpolation.Path(method, a, b, steps);
            var images = model.Decode(zs);
            context.Response.Headers[ResponseFormat.ModelVersionHeader] = model.Version;
            return ResponseFormat.WantsJson(context.Request, format)
                ? TypedResults.Ok(new InterpolateResponse(model.Version, method, steps, zs, images))
                : TypedResults.File(PngRenderer.Strip(images), "image/png");
        }
        catch (BadInputException e)
        {
            return e.ToProblem();
        }
    }

    private static InterpolationMethod ReadMethod(JsonElement? value)
    {
        if (value is null)
        {
            return InterpolationMethod.Lerp;
        }

        var text = value.Value.ValueKind == JsonValueKind.String ? value.Value.GetString() : null;
        return text?.ToUpperInvariant() switch
        {
            "LERP" => InterpolationMethod.Lerp,
            "SLERP" => InterpolationMethod.Slerp,
            _ => throw BadInputException.Invalid("method", $"method must be 'lerp' or 'slerp', got {value.Value.GetRawText()}."),
        };
    }

    /// <summary>The latent point of one end: z as given, μ of a test image or of given pixels.</summary>
    private static float[] Resolve(JsonElement end, string name, InferenceModel model, ModelDatasets datasets)
    {
        var allowed = $"{name} must be an object with exactly one of z ({model.LatentDim} numbers), index (a test-set image) or pixels ({ModelConfig.Pixels} numbers in [0, 1])";
        if (end.ValueKind != JsonValueKind.Object)
        {
            throw BadInputException.Invalid(name, $"{allowed}.");
        }

        JsonInput.RequireObject(end, "z", "index", "pixels");
        var z = JsonInput.Field(end, "z");
        var index = JsonInput.Field(end, "index");
        var pixels = JsonInput.Field(end, "pixels");
        if ((z is null ? 0 : 1) + (index is null ? 0 : 1) + (pixels is null ? 0 : 1) != 1)
        {
            throw BadInputException.Invalid(name, $"{allowed}.");
        }

        if (z is { } vector)
        {
            return JsonInput.Vector(vector, $"{name}.z", model.LatentDim, unitRange: false);
        }

        if (pixels is { } image)
        {
            return model.Encode([JsonInput.Vector(image, $"{name}.pixels", ModelConfig.Pixels, unitRange: true)]).Mu[0];
        }

        var test = datasets.Of(model.Version).Test;
        var i = JsonInput.WholeNumber(index, $"{name}.index", 0, int.MinValue, int.MaxValue);
        if (i < 0 || i >= test.Count)
        {
            throw new BadInputException(StatusCodes.Status404NotFound, $"{name}.index", $"{name}.index must be from 0 to {test.Count - 1} (the test split), got {i}.");
        }

        return model.Encode([test.Pixels(i)]).Mu[0];
    }
}
