using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Serving;
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

/// <summary><c>POST /reconstruct</c>: an image through encoder and decoder.</summary>
public static class ReconstructApi
{
    public static RouteHandlerBuilder MapReconstructApi(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/reconstruct", Reconstruct)
            .WithTags("Latent space")
            .WithName("Reconstruct")
            .WithSummary("Reconstruct images: decode μ of q(z|x), with the loss parts of each")
            .WithDescription("Takes the same bodies as /encode. The PNG shows each input beside its reconstruction (one pair a row); JSON with Accept: application/json or format=json.")
            .AcceptsBody<EncodeRequest>(false, "application/json", "image/png", "image/jpeg", "multipart/form-data")
            .Produces(StatusCodes.Status200OK, contentType: "image/png")
            .Produces<ReconstructResponse>(StatusCodes.Status200OK, "application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery();

    public static async Task<Results<FileContentHttpResult, Ok<ReconstructResponse>, ProblemHttpResult>> Reconstruct(
        HttpContext context,
        ModelHost models,
        InferenceGate gate,
        IOptions<VaeOptions> options,
        [FromQuery(Name = "format")] string? format,
        CancellationToken cancellationToken)
    {
        var limits = options.Value;
        try
        {
            if (ResponseFormat.Validate(format) is { } formatProblem)
            {
                throw BadInputException.Invalid("format", formatProblem);
            }

            var body = await RequestBodies.ReadAsync(context.Request, limits, imagesAllowed: true, cancellationToken);
            var json = body is RequestBody.Json j ? JsonInput.RequireObject(j.Root, "pixels", "images") : (System.Text.Json.JsonElement?)null;
            var inputs = RequestBodies.Images(body, json, limits, cancellationToken);

            using var lease = models.TryAcquire();
            if (lease is null)
            {
                return Problems.NoModel();
            }

            var model = lease.Model;
            using var slot = await gate.EnterAsync(inputs.Images.Length, cancellationToken);
            var result = Reconstructions.OfMean(model.Module, inputs.Images);
            context.Response.Headers[ResponseFormat.ModelVersionHeader] = model.Version;
            if (!ResponseFormat.WantsJson(context.Request, format))
            {
                var pairs = inputs.Images.Zip(result.Images, (input, output) => new[] { input, output }).SelectMany(p => p).ToArray();
                return TypedResults.File(PngRenderer.Render(pairs, columns: 2), "image/png");
            }

            var beta = model.Config.Beta;
            var loss = result.Reconstruction.Zip(result.Kl, (r, k) => r + (beta * k)).ToArray();
            return TypedResults.Ok(new ReconstructResponse(
                model.Version, model.Config.Likelihood, result.Images, inputs.Images, result.Mu, result.Reconstruction, result.Kl, loss));
        }
        catch (BadInputException e)
        {
            return e.ToProblem();
        }
    }
}
