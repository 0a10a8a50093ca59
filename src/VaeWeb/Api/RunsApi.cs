using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Training;

namespace VaeWeb.Api;

/// <summary><c>/runs</c>: the run history with parameters and per-epoch metrics.</summary>
public static class RunsApi
{
    public static RouteGroupBuilder MapRunsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/runs").WithTags("Training");
        group.MapGet("/", ListRuns).WithName("ListRuns").WithSummary("Past and current runs, newest first");
        group.MapGet("/{id}", GetRun).WithName("GetRun").WithSummary("One run with its per-epoch metrics").ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    public static Ok<IReadOnlyList<RunRecord>> ListRuns(RunStore store, RunQualityStore quality)
    {
        var scores = quality.All();
        return TypedResults.Ok<IReadOnlyList<RunRecord>>([.. store.List().Select(r => r with { SampleQuality = scores.GetValueOrDefault(r.RunId) })]);
    }

    public static Results<Ok<RunRecord>, ProblemHttpResult> GetRun(string id, RunStore store, RunQualityStore quality) =>
        store.Get(id) is { } run
            ? TypedResults.Ok(run with { SampleQuality = quality.Get(id) })
            : Problems.NotFound("No such run", $"There is no run with id '{id}'; GET /runs lists them.");
}
