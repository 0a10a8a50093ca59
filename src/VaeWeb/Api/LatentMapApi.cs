using System.Globalization;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Serving;
using VaeWeb.Vae.Latent;

namespace VaeWeb.Api;

/// <summary>One test image placed on the 2-D map.</summary>
public sealed record LatentPoint(float X, float Y, int Label, int Index);

/// <summary>
/// μ of the first <c>count</c> test images projected by PCA. A 2-D point (x, y) maps back to a full
/// latent vector as z = mean + x·components[0] + y·components[1] (send it to <c>POST /decode</c>).
/// With <c>mu=true</c> the response also carries each point's μ (the page's non-linear projection
/// embeds them and maps a 2-D point back by inverse-distance weighting of its nearest points' μ).
/// </summary>
public sealed record LatentMapResponse(
    string ModelVersion,
    string Dataset,
    int Count,
    IReadOnlyList<LatentPoint> Points,
    float[] Mean,
    float[][] Components,
    double[] ExplainedVariance,
    double[] ExplainedVarianceRatio,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float[][]? Mu = null);

/// <summary><c>GET /latent-map</c>: the test set's encodings on a plane.</summary>
public static class LatentMapApi
{
    public const string CacheHeader = "X-Cache";

    public static RouteHandlerBuilder MapLatentMapApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/latent-map", GetLatentMap)
            .WithTags("Latent space")
            .WithName("GetLatentMap")
            .WithSummary("Test-set μ projected to 2-D by PCA, with the projection")
            .WithDescription("n = how many test images (the first n; default all); mu=true adds each point's 64-D μ (for a projection of your own, such as the page's UMAP). Cached per model version: X-Cache says hit or miss.")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status503ServiceUnavailable);

    public static Results<Ok<LatentMapResponse>, ProblemHttpResult> GetLatentMap(
        HttpContext context,
        ModelHost models,
        ModelDatasets datasets,
        LatentCache cache,
        [FromQuery(Name = "n")] string? n,
        [FromQuery(Name = "mu")] string? mu = null)
    {
        using var lease = models.TryAcquire();
        if (lease is null)
        {
            return Problems.NoModel();
        }

        var model = lease.Model;
        var test = datasets.Of(model.Version).Test;
        var count = test.Count;
        if (n is not null && (!int.TryParse(n, NumberStyles.Integer, CultureInfo.InvariantCulture, out count) || count < 2 || count > test.Count))
        {
            return BadInputException.Problem(StatusCodes.Status400BadRequest, "n", $"n must be an integer from 2 to {test.Count} (the test split's size), got '{n}'.");
        }

        var withMu = false;
        if (mu is not null && !bool.TryParse(mu, out withMu))
        {
            return BadInputException.Problem(StatusCodes.Status400BadRequest, "mu", $"mu must be true or false, got '{mu}'.");
        }

        var map = cache.GetOrCreate(model.Version, $"latent-map:{count}", () =>
        {
            using var images = test.Images.narrow(0, 0, count);
            var (mu, _) = LatentDiagnostics.Encode(model.Module, images);
            var pca = Pca.Fit(mu, components: 2);
            var points = new LatentPoint[count];
            for (var i = 0; i < count; i++)
            {
                var xy = pca.Project(mu[i]);
                points[i] = new LatentPoint(xy[0], xy[1], test.Labels[i], i);
            }

            return new LatentMapResponse(
                model.Version, datasets.NameOf(model.Version), count, points, pca.Mean, pca.Components, pca.ExplainedVariance, pca.ExplainedVarianceRatio, mu);
        }, out var hit);

        context.Response.Headers[ResponseFormat.ModelVersionHeader] = model.Version;
        context.Response.Headers[CacheHeader] = hit ? "hit" : "miss";
        return TypedResults.Ok(withMu ? map : map with { Mu = null });
    }
}
