using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Api;

namespace VaeWeb.Training;

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

    public static Ok<IReadOnlyList<RunRecord>> ListRuns(RunStore store) => TypedResults.Ok(store.List());

    public static Results<Ok<RunRecord>, ProblemHttpResult> GetRun(string id, RunStore store) =>
        store.Get(id) is { } run
            ? TypedResults.Ok(run)
            : Problems.NotFound("No such run", $"There is no run with id '{id}'; GET /runs lists them.");
}
