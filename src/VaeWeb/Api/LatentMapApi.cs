using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Configuration;
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
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound)
            .ProducesNoModel();

    public static Ok<LatentMapResponse> GetLatentMap(
        [AsParameters] ModelCall call,
        ModelDatasets datasets,
        LatentCache cache,
        [FromQuery(Name = "n")] string? n,
        [FromQuery(Name = "mu")] string? includeMu = null)
    {
        using var lease = call.Lease();
        var model = lease.Model;
        var test = datasets.Of(model.Version).Test;
        var count = QueryInput.WholeNumber(n, "n", test.Count, Ranges.MinMapPoints, test.Count, " (the test split's size)");

        var withMu = QueryInput.Bool(includeMu, "mu");

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

        call.Stamp(model);
        call.Context.Response.Headers[CacheHeader] = hit ? "hit" : "miss";
        return TypedResults.Ok(withMu ? map : map with { Mu = null });
    }
}
