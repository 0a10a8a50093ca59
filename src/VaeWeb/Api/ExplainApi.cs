using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Serving;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;

namespace VaeWeb.Api;

/// <summary>The JSON body of <c>POST /explain</c> (an uploaded image takes samples, k and seed from the query).</summary>
/// <param name="Index">A test-split image of the model's data set.</param>
/// <param name="Pixels">784 numbers in [0, 1], row-major.</param>
/// <param name="Samples">Draws of ε to show, 1–64 (default 16).</param>
/// <param name="K">Importance samples of IWAE_k, 1 to Vae:Serving:MaxEvaluationK (default Vae:Serving:EvaluationK).</param>
/// <param name="Seed">Seed of the draws (default 0): the same seed and model give the same numbers.</param>
public sealed record ExplainRequest(int? Index, float[]? Pixels, int? Samples, int? K, long? Seed);

/// <summary>
/// One image through the VAE, every term of the derivation measured. Densities are in nats with every
/// constant included, the convention of <c>POST /evaluate</c>: <c>elboK</c> and <c>iwaeK</c> for a test
/// image equal what /evaluate reports for that image alone with the same k and seed. <c>gap</c> =
/// iwaeK − elboK estimates KL(q(z|x) ‖ p(z|x)): it is ≥ 0 up to sampling error, lies below the true KL
/// in expectation and approaches it as k grows (IWAE_k → log p(x)). The per-draw figures (<c>draws</c>, <c>mean*</c>)
/// use the <c>samples</c> draws shown; elboK and iwaeK use k draws of their own from the same seed.
/// </summary>
public sealed record ExplainResponse(
    string ModelVersion,
    Likelihood Likelihood,
    double Beta,
    int LatentDim,
    string Source,
    int? Index,
    int? Label,
    float[] Input,
    float[] Mu,
    float[] LogVar,
    double[] KlPerDimension,
    double Kl,
    int ActiveDimensions,
    double ActiveThreshold,
    int Samples,
    IReadOnlyList<ExplainedDraw> Draws,
    double MeanSquaredError,
    double MeanReconstruction,
    double MeanLogLikelihood,
    double MeanLoss,
    double MeanElbo,
    float[] DecodedMean,
    float[] SquaredErrorOfMean,
    int K,
    long Seed,
    double ElboK,
    double IwaeK,
    double Gap,
    double LogLikelihoodConstant,
    double? DecoderVariance,
    string Note);

/// <summary><c>POST /explain</c>: one digit taken through the derivation, step by step.</summary>
public static class ExplainApi
{
    public const int DefaultSamples = 16;
    public const int MaxSamples = 64;

    private const string NoteText =
        "log p(x) − KL(q(z|x) ‖ p(z|x)) = ELBO. iwaeK estimates log p(x) from below; gap = iwaeK − elboK estimates KL(q(z|x) ‖ p(z|x)), from below, and approaches it as k grows (at k = 1 it is 0 only in expectation). Densities in nats, constants included, as POST /evaluate.";

    public static RouteHandlerBuilder MapExplainApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/explain", Explain)
            .WithTags("Latent space")
            .WithName("Explain")
            .WithSummary("One image through the VAE: μ, σ, draws of ε and z, decodes, loss, ELBO, IWAE_k and their gap")
            .WithDescription("JSON {\"index\":n} (test split) or {\"pixels\":[784]}, with optional samples (1–64, default 16), k (IWAE, default Vae:Serving:EvaluationK) and seed (default 0); or a PNG/JPEG body or multipart file with samples, k and seed in the query. Always JSON.")
            .AcceptsImageOr<ExplainRequest>()
            .Produces<ExplainResponse>(StatusCodes.Status200OK, "application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesNoModel()
            .DisableAntiforgery();

    public static async Task<Ok<ExplainResponse>> Explain(
        [AsParameters] ModelCall call,
        ModelDatasets datasets)
    {
        var serving = call.Settings.Serving;
        var request = call.Request;
        var body = await call.ReadBodyAsync(imagesAllowed: true);
        var json = body.OptionalJson<ExplainRequest>();
        var samples = WholeNumber(request, json, "samples", DefaultSamples, 1, MaxSamples);
        var k = WholeNumber(request, json, "k", serving.EvaluationK, 1, serving.MaxEvaluationK);
        var seed = Seed(request, json);
        var index = json is { } obj && JsonInput.Field(obj, "index") is { } indexValue
            ? JsonInput.WholeNumber(indexValue, "index", 0, int.MinValue, int.MaxValue)
            : (int?)null;
        if (index is not null && JsonInput.Field(json!.Value, "pixels") is not null)
        {
            throw BadInputException.Invalid("index", "Send either index (a test-set image) or pixels, not both.");
        }

        if (json is { } o && index is null && JsonInput.Field(o, "pixels") is null)
        {
            throw BadInputException.Invalid("index", $"The JSON body must hold index (a test-set image) or pixels ({ModelConfig.Pixels} numbers in [0, 1]).");
        }

        var given = index is not null ? null
            : json is { } pixelsBody ? RequestBodies.JsonImages(pixelsBody, serving.MaxItems).Pixels
            : RequestBodies.Upload(body, call.Settings, call.Aborted);

        using var lease = call.Lease();
        var model = lease.Model;
        var (image, label) = index is { } i ? TestImage(datasets.Of(model.Version).Test, i) : (given!, (int?)null);
        var e = await call.ComputeAsync(lease, samples + k, m => Explainer.Explain(m.Module, image, samples, k, seed));
        var source = index is not null ? "index" : json is null ? "upload" : "pixels";
        return TypedResults.Ok(new ExplainResponse(
            model.Version, model.Config.Likelihood, model.Config.Beta, model.Config.LatentDim, source, index, label, image,
            e.Mu, e.LogVar, e.KlPerDimension, e.Kl, e.KlPerDimension.Count(v => v > KlProfile.DefaultThreshold), KlProfile.DefaultThreshold,
            samples, e.Draws, e.Draws.Average(d => d.SquaredError), e.MeanReconstruction, e.MeanLogLikelihood, e.MeanLoss, e.MeanElbo,
            e.DecodedMean, e.SquaredErrorOfMean, e.K, seed, e.ElboK, e.IwaeK, e.Gap, e.LogLikelihoodConstant, e.DecoderVariance, NoteText));
    }

    private static (float[] Image, int? Label) TestImage(VaeWeb.Vae.Data.DigitSplit test, int i) =>
        i >= 0 && i < test.Count
            ? (test.Pixels(i), test.Labels[i])
            : throw new BadInputException(StatusCodes.Status404NotFound, "index", $"index must be from 0 to {test.Count - 1} (the test split), got {i}.");

    /// <summary>A whole-number setting from the JSON body or, for an uploaded image, the query string; not both.</summary>
    private static int WholeNumber(HttpRequest request, JsonElement? json, string field, int fallback, int min, int max)
    {
        var text = Query(request, json, field);
        if (text is null)
        {
            return JsonInput.WholeNumber(json is { } obj ? JsonInput.Field(obj, field) : null, field, fallback, min, max);
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw BadInputException.Invalid(field, $"{field} must be an integer from {min} to {max}, got '{Shorten(text)}'.");
    }

    private static long Seed(HttpRequest request, JsonElement? json)
    {
        var text = Query(request, json, "seed");
        if (text is null)
        {
            return JsonInput.Seed(json is { } obj ? JsonInput.Field(obj, "seed") : null) ?? 0;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw BadInputException.Invalid("seed", $"seed must be a non-negative integer, got '{Shorten(text)}'.");
    }

    private static string? Query(HttpRequest request, JsonElement? json, string field)
    {
        if (!request.Query.TryGetValue(field, out var values))
        {
            return null;
        }

        if (json is { } obj && JsonInput.Field(obj, field) is not null)
        {
            throw BadInputException.Invalid(field, $"{field} is given twice, in the query and in the body; send it once.");
        }

        return values.Count == 1 ? values[0] : throw BadInputException.Invalid(field, $"{field} must be given once, got {values.Count} values.");
    }

    private static string Shorten(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "…";
}
