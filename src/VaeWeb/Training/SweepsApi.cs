using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Api;
using VaeWeb.Configuration;
using VaeWeb.Data;
using VaeWeb.Limits;
using VaeWeb.Security;
using VaeWeb.Serving;

namespace VaeWeb.Training;

/// <summary>One run of a sweep: what the grid set for it, its state and its final test figures.</summary>
/// <param name="NegativeElbo">Test reconstruction + KL per image: the β = 1 bound in the loss's units, comparable across β.</param>
public sealed record SweepRun(
    string RunId,
    IReadOnlyDictionary<string, JsonElement> Varied,
    RunParameters Parameters,
    RunState State,
    int Epoch,
    int Epochs,
    double? TestLoss,
    double? TestReconstruction,
    double? TestKl,
    double? NegativeElbo,
    SampleQualityReport? SampleQuality);

/// <summary>A sweep as <c>GET /sweeps/{id}</c> gives it: its request and one row per run, in queue order.</summary>
/// <param name="Finished">Runs no longer queued or running (completed, cancelled, failed, or interrupted and waiting for a resume).</param>
public sealed record SweepResponse(
    string SweepId,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, JsonElement> Base,
    IReadOnlyDictionary<string, JsonElement> Grid,
    int Finished,
    int Total,
    IReadOnlyList<SweepRun> Runs);

/// <summary><c>/sweeps</c>: queue one run per combination of a grid, then read them back as a table.</summary>
public static class SweepsApi
{
    public static RouteGroupBuilder MapSweepsApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/sweeps").WithTags("Lab").AddEndpointFilter<InputProblemFilter>();
        group.MapPost("/", CreateSweep)
            .WithName("CreateSweep")
            .WithSummary("Queue one run per combination of a grid of run parameters")
            .WithDescription("Body {\"base\": {...POST /train fields...}, \"grid\": {\"beta\": [0.5, 1, 4], \"latentDim\": [16, 64]}}: the first grid parameter varies slowest. Every combination is validated before any run is queued; at most Vae:Lab:MaxSweepRuns runs.")
            .AcceptsBody<SweepRequest>(isOptional: false, "application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireTrainingControl()
            .WithUploadLimit();
        group.MapGet("/{id}", GetSweep)
            .WithName("GetSweep")
            .WithSummary("A sweep's runs as a table: the values the grid set, state, final test loss parts, −ELBO and sample scores")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireReadAccess();
        return group;
    }

    public static async Task<Results<Accepted<SweepResponse>, ProblemHttpResult>> CreateSweep(
        HttpRequest request, RunScheduler scheduler, RunStore store, DatasetCatalog datasets, JsonSerializerOptionsProvider json, Microsoft.Extensions.Options.IOptions<VaeOptions> options)
    {
        if (!options.Value.Training.Enabled)
        {
            return TrainingApi.DisabledProblem();
        }

        var body = await RequestBodies.ReadAsync(request, options.Value, imagesAllowed: false, request.HttpContext.RequestAborted);
        var root = body.JsonOr("grid", "Send a JSON body {\"base\": {...}, \"grid\": {\"beta\": [0.5, 1, 4]}}.");
        var (baseBody, grid, runs) = SweepPlan.Read(root, scheduler.Defaults, datasets.Names, options.Value.Lab.MaxSweepRuns);
        if (scheduler.TryEnqueueSweep(baseBody, grid, runs) is not { } queued)
        {
            return Problems.Conflict(
                "The queue is full",
                $"The sweep's {runs.Count} runs would pass the queue's bound of {options.Value.Lab.MaxQueuedRuns} (Vae:Lab:MaxQueuedRuns); cancel queued runs with DELETE /runs/{{id}} or wait.");
        }

        var response = Table(store.GetSweep(queued.Sweep.SweepId)!.Value, json.Options);
        return TypedResults.Accepted($"/sweeps/{response.SweepId}", response);
    }

    public static Results<Ok<SweepResponse>, ProblemHttpResult> GetSweep(string id, RunStore store, JsonSerializerOptionsProvider json) =>
        store.GetSweep(id) is { } sweep
            ? TypedResults.Ok(Table(sweep, json.Options))
            : Problems.NotFound("No such sweep", $"There is no sweep with id '{id}'; POST /sweeps answers with the id of the one it queues.");

    private static SweepResponse Table((SweepRecord Sweep, IReadOnlyList<RunRecord> Runs) sweep, JsonSerializerOptions json)
    {
        var (record, runs) = sweep;
        var keys = record.Grid.Select(p => p.Key).ToList();
        var rows = runs.Select(run =>
        {
            var parameters = JsonSerializer.SerializeToElement(run.Parameters, json);
            var varied = keys.ToDictionary(k => k, k => parameters.TryGetProperty(k, out var v) ? v.Clone() : default);
            var last = run.Epochs.Count > 0 ? run.Epochs[^1] : null;
            return new SweepRun(
                run.RunId, varied, run.Parameters, run.State, last?.Epoch ?? 0, run.Parameters.Epochs,
                last?.TestLoss, last?.TestReconstruction, last?.TestKl, last is null ? null : last.TestReconstruction + last.TestKl, run.SampleQuality);
        }).ToList();
        return new SweepResponse(
            record.SweepId,
            record.CreatedAt,
            record.Base.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value)),
            record.Grid.ToDictionary(p => p.Key, p => JsonSerializer.SerializeToElement(p.Value)),
            rows.Count(r => r.State is not (RunState.Queued or RunState.Running)),
            rows.Count,
            rows);
    }
}
