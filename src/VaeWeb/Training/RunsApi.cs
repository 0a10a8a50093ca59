using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Api;
using VaeWeb.Data;
using VaeWeb.Limits;
using VaeWeb.Security;

namespace VaeWeb.Training;

/// <summary><c>/runs</c>: the run history with parameters and per-epoch metrics, and the queue.</summary>
public static class RunsApi
{
    public static RouteGroupBuilder MapRunsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/runs").WithTags("Training");
        group.MapGet("/", ListRuns).WithName("ListRuns").WithSummary("Past, current and queued runs, newest first");
        group.MapGet("/{id}", GetRun).WithName("GetRun").WithSummary("One run with its per-epoch metrics").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", QueueRun)
            .WithName("QueueRun")
            .WithSummary("Queue a run: it starts when the trainer is free")
            .WithDescription("The same optional JSON body as POST /train (without resume). Answers 202 with state queued and its position (1 = the next to start). The queue is kept in the run history: it survives a restart.")
            .Accepts<TrainRequest>("application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .RequireTrainingControl()
            .WithUploadLimit();
        group.MapDelete("/{id}", RemoveRun)
            .WithName("RemoveRun")
            .WithSummary("Cancel a queued or running run, or delete a finished one with its checkpoints")
            .WithDescription("202 with the run when it was queued or running (a running run stops after its current batch and keeps a checkpoint); 204 when a finished run was deleted; 409 for the run whose model serves requests without model= (pin another with PUT /serving first).")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireTrainingControl();
        return group;
    }

    public static Ok<IReadOnlyList<RunRecord>> ListRuns(RunStore store) => TypedResults.Ok(store.List());

    public static Results<Ok<RunRecord>, ProblemHttpResult> GetRun(string id, RunStore store) =>
        store.Get(id) is { } run
            ? TypedResults.Ok(run)
            : Problems.NotFound("No such run", $"There is no run with id '{id}'; GET /runs lists them.");

    public static async Task<Results<Accepted<RunStatus>, ProblemHttpResult>> QueueRun(
        HttpRequest request,
        RunScheduler scheduler,
        DatasetCatalog datasets,
        CancellationToken cancellationToken)
    {
        var (body, refusal) = await TrainingApi.ReadBodyAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        if (body is { ValueKind: System.Text.Json.JsonValueKind.Object } json && json.TryGetProperty("resume", out _))
        {
            throw BadInputException.Invalid("resume", "POST /runs queues a new run; continue an earlier one with POST /train {\"resume\": \"<runId>\"}.");
        }

        var errors = TrainRequestReader.Read(body, scheduler.Defaults, datasets.Names, out var parameters);
        return errors.Count > 0 ? throw new BadInputException(errors) : TrainingApi.Answer(scheduler.TryEnqueue(parameters));
    }

    public static Results<Accepted<RunRecord>, NoContent, ProblemHttpResult> RemoveRun(string id, RunScheduler scheduler) =>
        scheduler.TryRemove(id) switch
        {
            RemoveResult.Cancelling cancelling => TypedResults.Accepted($"/runs/{id}", cancelling.Run),
            RemoveResult.Deleted => TypedResults.NoContent(),
            RemoveResult.Serving serving => Problems.Conflict(
                "The run serves",
                $"Run {id}'s model {serving.Version} is what requests without model= get; pin another run with PUT /serving, then delete this one."),
            RemoveResult.Disabled => TrainingApi.DisabledProblem(),
            _ => Problems.NotFound("No such run", $"There is no run with id '{id}'; GET /runs lists them."),
        };
}
