using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Vae.Latent;
using VaeWeb.Vae.Model;

namespace VaeWeb.Api;

/// <summary>
/// Reconstructions (decode of μ) with each image's loss parts as the training loss defines them:
/// <c>reconstruction</c> Σ(x − x̂)² (gaussian) or Σ BCE (bernoulli), <c>kl</c> in nats, <c>loss</c> = reconstruction + β·kl.
/// </summary>
public sealed record ReconstructResponse(
    string ModelVersion,
    Likelihood Likelihood,
    IReadOnlyList<float[]> Images,
    IReadOnlyList<float[]> Inputs,
    IReadOnlyList<float[]> Mu,
    double[] Reconstruction,
    double[] Kl,
    double[] Loss);

/// <summary>What <c>POST /reconstruct</c> takes: one image (<c>pixels</c> or an upload) or a batch (<c>images</c>).</summary>
public sealed record ReconstructRequest(float[]? Pixels, float[][]? Images)
{
    public float[][] Batch => Pixels is { } one ? [one] : Images!;

    public static ReconstructRequest Read(RequestBody body, VaeOptions options, CancellationToken cancellationToken)
    {
        if (body.OptionalJson<ReconstructRequest>() is { } json)
        {
            var (pixels, images) = RequestBodies.JsonImages(json, options.Serving.MaxItems);
            return new ReconstructRequest(pixels, images);
        }

        return new ReconstructRequest(RequestBodies.Upload(body, options, cancellationToken), null);
    }
}

/// <summary><c>POST /reconstruct</c>: an image through encoder and decoder.</summary>
public static class ReconstructApi
{
    public static RouteHandlerBuilder MapReconstructApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/reconstruct", Reconstruct)
            .WithTags("Latent space")
            .WithName("Reconstruct")
            .WithSummary("Reconstruct images: decode μ of q(z|x), with the loss parts of each")
            .WithDescription("Takes the same images as /encode. The PNG shows each input beside its reconstruction (one pair a row); JSON with Accept: application/json or format=json.")
            .AcceptsImageOr<ReconstructRequest>()
            .ProducesImageOr<ReconstructResponse>()
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesNoModel()
            .DisableAntiforgery();

    public static async Task<Results<FileContentHttpResult, Ok<ReconstructResponse>>> Reconstruct(
        [AsParameters] ModelCall call,
        [FromQuery(Name = "format")] string? format)
    {
        var json = call.WantsJson(QueryInput.Format(format));
        var request = ReconstructRequest.Read(await call.ReadBodyAsync(imagesAllowed: true), call.Settings, call.Aborted);
        using var lease = call.Lease();
        var inputs = request.Batch;
        return await call.ComputeAsync<Results<FileContentHttpResult, Ok<ReconstructResponse>>>(lease, inputs.Length, m =>
        {
            var result = Reconstructions.OfMean(m.Module, inputs);
            if (!json)
            {
                var pairs = inputs.Zip(result.Images, (input, output) => new[] { input, output }).SelectMany(p => p).ToArray();
                return TypedResults.File(PngRenderer.Render(pairs, columns: 2), "image/png");
            }

            var loss = result.Reconstruction.Zip(result.Kl, (r, k) => r + (m.Config.Beta * k)).ToArray();
            return TypedResults.Ok(new ReconstructResponse(
                m.Version, m.Config.Likelihood, result.Images, inputs, result.Mu, result.Reconstruction, result.Kl, loss));
        });
    }
}
