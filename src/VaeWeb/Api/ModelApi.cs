using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Serving;
using VaeWeb.Training;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;

namespace VaeWeb.Api;

/// <summary>
/// The serving model: architecture, sizes, loss settings, last metrics, and the posterior-collapse
/// diagnostic — mean KL per latent dimension on the test set and the count of active units
/// (KL_j above <c>activeThreshold</c> nats) — and the sample judge's scores of each sampler
/// (<c>sampleQuality</c>: IS-like score, FID on the judge's features, confident share, class histogram).
/// </summary>
public sealed record ModelResponse(
    string ModelVersion,
    string? RunId,
    int? Epoch,
    string Dataset,
    int LatentDim,
    Likelihood Likelihood,
    double? DecoderVariance,
    double Beta,
    long Parameters,
    long EncoderParameters,
    long DecoderParameters,
    IReadOnlyList<LayerInfo> Layers,
    IReadOnlyList<ParameterInfo> ParameterTensors,
    EpochMetrics? LastEpoch,
    double[] KlPerDimension,
    int ActiveUnits,
    double ActiveThreshold,
    int TestImages,
    LayerFormsInfo LayerForms,
    SampleQualityStatus? SampleQuality = null);

/// <summary>
/// How the layers are computed on this CPU: the forms the serving model uses, the forms new
/// training runs use, the forms the start-up self-check refused, and its measurements.
/// </summary>
public sealed record LayerFormsInfo(
    IReadOnlyList<string> Serving,
    IReadOnlyList<string> Training,
    IReadOnlyList<string> Refused,
    double Tolerance,
    IReadOnlyList<FormCheck> Checks);

/// <summary><c>GET /model</c>: what is serving.</summary>
public static class ModelApi
{
    public static RouteHandlerBuilder MapModelApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/model", GetModel)
            .WithTags("Latent space")
            .WithName("GetModel")
            .WithSummary("The serving model: architecture, parameter counts, settings, last metrics, KL per latent dimension and active units")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ProducesNoModel();

    public static Ok<ModelResponse> GetModel(
        [AsParameters] ModelCall call,
        ModelDatasets datasets,
        RunStore runs,
        LatentCache cache,
        LayerFormSelection layerForms,
        SampleQuality quality)
    {
        using var lease = call.Lease();
        var model = lease.Model;
        var response = cache.GetOrCreate(model.Version, "model", () =>
        {
            var cut = model.Version.LastIndexOf(".e", StringComparison.Ordinal);
            var runId = cut > 0 ? model.Version[..cut] : null;
            var run = runId is null ? null : runs.Get(runId);
            var last = run?.Epochs.LastOrDefault(e => e.ModelVersion == model.Version) ?? (run is { Epochs.Count: > 0 } ? run.Epochs[^1] : null);
            var test = datasets.Of(model.Version).Test;
            var profile = LatentDiagnostics.KlProfile(model.Module, test.Images);
            var config = model.Config;
            return new ModelResponse(
                model.Version,
                run?.RunId,
                last?.Epoch,
                datasets.NameOf(model.Version),
                config.LatentDim,
                config.Likelihood,
                config.Likelihood == Likelihood.Gaussian ? LikelihoodBound.GaussianDecoderVariance : null,
                config.Beta,
                ConvVae.CountParameters(model.Module),
                ConvVae.CountParameters(model.Module.Encoder),
                ConvVae.CountParameters(model.Module.Decoder),
                Architecture.Layers(config),
                Architecture.Parameters(model.Module),
                last,
                profile.KlPerDimension,
                profile.ActiveUnits,
                profile.Threshold,
                test.Count,
                new LayerFormsInfo(
                    model.Module.Forms.Names,
                    layerForms.Forms.Names,
                    layerForms.Decision.Refused,
                    LayerFormCheck.Tolerance,
                    layerForms.Decision.Checks));
        }, out _);

        call.Stamp(model);
        // Not cached with the rest: the scores arrive in the background after the first ask.
        return TypedResults.Ok(response with { SampleQuality = quality.StatusOf(model.Version) });
    }
}
