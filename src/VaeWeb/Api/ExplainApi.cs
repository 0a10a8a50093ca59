using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Configuration;
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
public sealed record ExplainRequest(int? Index, float[]? Pixels, int? Samples, int? K, long? Seed)
{
    /// <summary>"index", "pixels" or "upload": where the image came from (read, not a field of the body).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string Source { get; private init; } = "index";

    /// <summary>
    /// Reads a JSON body (index or pixels, and the settings) or an uploaded image (settings in the
    /// query); a setting sent both ways is refused. Samples, k and seed come back with their defaults.
    /// </summary>
    public static ExplainRequest Read(RequestBody body, HttpRequest http, VaeOptions options, CancellationToken cancellationToken)
    {
        var serving = options.Serving;
        var json = body.OptionalJson<ExplainRequest>();
        var samples = Setting(http, json, "samples", raw => QueryInput.WholeNumber(raw, "samples", ExplainApi.DefaultSamples, 1, ExplainApi.MaxSamples),
            value => JsonInput.WholeNumber(value, "samples", ExplainApi.DefaultSamples, 1, ExplainApi.MaxSamples));
        var k = Setting(http, json, "k", raw => QueryInput.WholeNumber(raw, "k", serving.EvaluationK, Ranges.MinEvaluationK, serving.MaxEvaluationK),
            value => JsonInput.WholeNumber(value, "k", serving.EvaluationK, Ranges.MinEvaluationK, serving.MaxEvaluationK));
        var seed = Setting(http, json, "seed", raw => QueryInput.Seed(raw) ?? 0, value => JsonInput.Seed(value) ?? 0);
        if (json is not { } obj)
        {
            return new ExplainRequest(null, RequestBodies.Upload(body, options, cancellationToken), samples, k, seed) { Source = "upload" };
        }

        var (index, pixels) = (JsonInput.Field(obj, "index"), JsonInput.Field(obj, "pixels"));
        return (index, pixels) switch
        {
            ({ }, { }) => throw BadInputException.Invalid("index", "Send either index (a test-set image) or pixels, not both."),
            ({ } i, null) => new ExplainRequest(JsonInput.WholeNumber(i, "index", 0, int.MinValue, int.MaxValue), null, samples, k, seed),
            (null, { } one) => new ExplainRequest(null, JsonInput.Vector(one, "pixels", ModelConfig.Pixels, unitRange: true), samples, k, seed) { Source = "pixels" },
            _ => throw BadInputException.Invalid("index", $"The JSON body must hold index (a test-set image) or pixels ({ModelConfig.Pixels} numbers in [0, 1])."),
        };
    }

    /// <summary>A setting from the query (uploads) or the JSON body, never both.</summary>
    private static T Setting<T>(HttpRequest http, JsonElement? json, string field, Func<string?, T> fromQuery, Func<JsonElement?, T> fromJson)
    {
        var inBody = json is { } obj ? JsonInput.Field(obj, field) : null;
        if (!http.Query.TryGetValue(field, out var values))
        {
            return fromJson(inBody);
        }

        if (inBody is not null)
        {
            throw BadInputException.Invalid(field, $"{field} is given twice, in the query and in the body; send it once.");
        }

        return values.Count == 1 ? fromQuery(values[0]) : throw BadInputException.Invalid(field, $"{field} must be given once, got {values.Count} values.");
    }
}

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
        var request = ExplainRequest.Read(await call.ReadBodyAsync(imagesAllowed: true), call.Request, call.Settings, call.Aborted);
        var (samples, k, seed) = (request.Samples!.Value, request.K!.Value, request.Seed!.Value);
        using var lease = call.Lease();
        var model = lease.Model;
        var (image, label) = request.Index is { } i ? TestImage(datasets.Of(model.Version).Test, i) : (request.Pixels!, (int?)null);
        var e = await call.ComputeAsync(lease, samples + k, m => Explainer.Explain(m.Module, image, samples, k, seed));
        return TypedResults.Ok(new ExplainResponse(
            model.Version, model.Config.Likelihood, model.Config.Beta, model.Config.LatentDim, request.Source, request.Index, label, image,
            e.Mu, e.LogVar, e.KlPerDimension, e.Kl, e.KlPerDimension.Count(v => v > KlProfile.DefaultThreshold), KlProfile.DefaultThreshold,
            samples, e.Draws, e.Draws.Average(d => d.SquaredError), e.MeanReconstruction, e.MeanLogLikelihood, e.MeanLoss, e.MeanElbo,
            e.DecodedMean, e.SquaredErrorOfMean, e.K, seed, e.ElboK, e.IwaeK, e.Gap, e.LogLikelihoodConstant, e.DecoderVariance, NoteText));
    }

    private static (float[] Image, int? Label) TestImage(VaeWeb.Vae.Data.DigitSplit test, int i) =>
        i >= 0 && i < test.Count
            ? (test.Pixels(i), test.Labels[i])
            : throw new BadInputException(StatusCodes.Status404NotFound, "index", $"index must be from 0 to {test.Count - 1} (the test split), got {i}.");
}
