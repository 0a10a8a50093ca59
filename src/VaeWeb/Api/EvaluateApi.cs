using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Serving;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Api;

/// <summary>The optional JSON body of <c>POST /evaluate</c>.</summary>
/// <param name="K">Importance samples per image (default Vae:Serving:EvaluationK).</param>
/// <param name="N">Evaluate the first n test images (default all).</param>
/// <param name="Seed">Seed of the samples (default 0): the same seed and model give the same figures.</param>
public sealed record EvaluateRequest(int? K, int? N, long? Seed)
{
    /// <summary>Reads the optional body; <c>k</c> and <c>seed</c> come back with their defaults filled in.</summary>
    public static EvaluateRequest Read(RequestBody body, ServingOptions serving)
    {
        var obj = body.OptionalJson<EvaluateRequest>();
        var k = JsonInput.WholeNumber(obj is { } o1 ? JsonInput.Field(o1, "k") : null, "k", serving.EvaluationK, Ranges.MinEvaluationK, serving.MaxEvaluationK);
        int? n = obj is { } o2 && JsonInput.Field(o2, "n") is { } nValue ? JsonInput.WholeNumber(nValue, "n", 0, 1, int.MaxValue) : null;
        var seed = (obj is { } o3 ? JsonInput.Seed(JsonInput.Field(o3, "seed")) : null) ?? 0;
        return new EvaluateRequest(k, n, seed);
    }
}

/// <summary>
/// Test-set bounds in nats, averaged over images. <c>negativeElbo</c> = <c>negativeLogLikelihood</c> +
/// <c>kl</c> (β = 1); <c>iwae</c> is the bound log p(x) ≥ IWAE_k. Both include the decoder's constant
/// terms: for gaussian, p(x|z) = N(x̂, σ²I) with σ² = ½ (<c>decoderVariance</c>), whose
/// −log p(x|z) = Σ(x − x̂)² + <c>logLikelihoodConstant</c> (392·ln π ≈ 448.73); for bernoulli the summed BCE.
/// </summary>
public sealed record EvaluateResponse(
    string ModelVersion,
    string Dataset,
    string Split,
    int Images,
    int K,
    long Seed,
    Likelihood Likelihood,
    double? DecoderVariance,
    double LogLikelihoodConstant,
    double NegativeElbo,
    double NegativeLogLikelihood,
    double Kl,
    double Iwae,
    double IwaeStandardError,
    double Seconds,
    string Note);

/// <summary><c>POST /evaluate</c>: −ELBO and the IWAE bound of the serving model on the test split.</summary>
public static class EvaluateApi
{
    private const string NoteText =
        "negativeElbo and iwae are in nats per image with every constant term included; E_q[−log p(x|z)] is averaged over the k samples, KL is in closed form.";

    public static RouteHandlerBuilder MapEvaluateApi(this IEndpointRouteBuilder routes)
    {
        var builder = routes.MapPost("/evaluate", Evaluate)
            .WithTags("Latent space")
            .WithName("Evaluate")
            .WithSummary("Negative ELBO and IWAE_k bound (nats) of the serving model on the test split")
            .WithDescription("Optional JSON {\"k\":100,\"n\":…,\"seed\":0}. Work runs in small chunks (≈512 decoded samples each) so other requests interleave; one evaluation at a time (429 while one runs); results are cached per model version, k, n and seed.")
            .AcceptsBody<EvaluateRequest>(true, "application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesNoModel();

        // The whole test split at k = 100 is ~100k decoder passes: longer than the default request
        // timeout on a small machine. It is chunked, cancellable and one at a time instead.
        builder.WithRequestTimeout(routes.ServiceProvider.GetRequiredService<IOptions<VaeOptions>>().Value.Serving.EvaluationTimeout);
        return builder;
    }

    public static async Task<Results<Ok<EvaluateResponse>, ProblemHttpResult>> Evaluate(
        [AsParameters] ModelCall call,
        ModelDatasets datasets,
        LatentCache cache,
        EvaluationGate gate)
    {
        var request = EvaluateRequest.Read(await call.ReadBodyAsync(imagesAllowed: false), call.Settings.Serving);
        using var lease = call.Lease();
        var model = lease.Model;
        var test = datasets.Of(model.Version).Test;
        if (request.N > test.Count)
        {
            throw BadInputException.Invalid("n", $"n must be an integer from 1 to {test.Count} (the test split's size), got {request.N}.");
        }

        var (k, count, seed) = (request.K!.Value, request.N ?? test.Count, request.Seed!.Value);
        var key = $"evaluate:{k}:{count}:{seed}";
        call.Stamp(model);
        if (cache.TryGet<EvaluateResponse>(model.Version, key, out var cached))
        {
            return TypedResults.Ok(cached!);
        }

        if (!gate.TryEnter())
        {
            call.Context.Response.Headers.RetryAfter = "10";
            return TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "An evaluation is running",
                detail: "One evaluation runs at a time; try again when it has finished (a finished result is cached per model version, k, n and seed).");
        }

        try
        {
            var response = await RunAsync(model, datasets.NameOf(model.Version), test, k, count, seed, call.Aborted);
            cache.Set(model.Version, key, response);
            return TypedResults.Ok(response);
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<EvaluateResponse> RunAsync(InferenceModel model, string dataset, DigitSplit test, int k, int count, long seed, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var accumulator = new BoundAccumulator(model.Config.Likelihood, k);
        using var generator = new Generator((ulong)seed);
        var chunk = LikelihoodBound.ImagesPerChunk(k);
        for (var start = 0; start < count; start += chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Each chunk is synchronous in its own dispose scope; between chunks the thread is given
            // back so queued requests run instead of waiting for the whole test set.
            using (var batch = test.Images.narrow(0, start, Math.Min(chunk, count - start)))
            {
                accumulator.Add(LikelihoodBound.EvaluateBatch(model.Module, batch, k, generator));
            }

            await Task.Yield();
        }

        var summary = accumulator.Summary();
        return new EvaluateResponse(
            model.Version, dataset, "test", summary.Images, k, seed, model.Config.Likelihood,
            summary.DecoderVariance, summary.LogLikelihoodConstant, summary.NegativeElbo, summary.NegativeLogLikelihood,
            summary.Kl, summary.Iwae, summary.IwaeStandardError, stopwatch.Elapsed.TotalSeconds, NoteText);
    }
}
