using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using VaeWeb.Api;

namespace VaeWeb.Training;

/// <summary><c>GET /runs/compare?ids=a,b,c</c>: several runs' parameters, final metrics and per-epoch curves on one epoch axis.</summary>
public static class CompareApi
{
    public static RouteHandlerBuilder MapCompareApi(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/runs/compare", CompareRuns)
            .WithTags("Training")
            .WithName("CompareRuns")
            .WithSummary("Runs side by side: parameters, final metrics, sample scores and per-epoch curves aligned on one epoch axis")
            .WithDescription($"ids: 1 to {RunComparison.MostRuns} distinct run ids, comma-separated (GET /runs lists them). Each curve has one entry per epoch of the axis, null where that run has no such epoch.")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);

    // [Required] only tells the OpenAPI document; the handler's own check gives the message naming the field.
    public static Ok<RunComparison> CompareRuns([FromQuery(Name = "ids"), Required] string? ids, RunStore store)
    {
        var wanted = ReadIds(ids);
        var runs = wanted.Select(id => (Id: id, Run: store.Get(id))).ToList();
        var unknown = runs.Where(r => r.Run is null).Select(r => $"'{r.Id}'").ToList();
        if (unknown.Count > 0)
        {
            throw new BadInputException(
                StatusCodes.Status404NotFound,
                "ids",
                $"There is no run with id {string.Join(", ", unknown)}; GET /runs lists them.");
        }

        return TypedResults.Ok(RunComparison.Of([.. runs.Select(r => r.Run!)]));
    }

    private static List<string> ReadIds(string? raw)
    {
        var allowed = $"ids must be 1 to {RunComparison.MostRuns} distinct run ids separated by commas (GET /runs lists them)";
        if (string.IsNullOrWhiteSpace(raw))
        {
            throw BadInputException.Invalid("ids", $"{allowed}; got none.");
        }

        var ids = raw.Split(',', StringSplitOptions.TrimEntries).ToList();
        if (ids.Any(id => id.Length == 0))
        {
            throw BadInputException.Invalid("ids", $"{allowed}; got an empty id in '{raw}'.");
        }

        if (ids.Count > RunComparison.MostRuns)
        {
            throw BadInputException.Invalid("ids", $"{allowed}; got {ids.Count}.");
        }

        var repeated = ids.GroupBy(id => id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"'{g.Key}'").ToList();
        return repeated.Count == 0
            ? ids
            : throw BadInputException.Invalid("ids", $"{allowed}; named more than once: {string.Join(", ", repeated)}.");
    }
}
