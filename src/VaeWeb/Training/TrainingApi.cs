using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Api;
using VaeWeb.Data;
using VaeWeb.Limits;
using VaeWeb.Security;

namespace VaeWeb.Training;

/// <summary><c>/train</c>: start, watch and cancel the run training now (<c>/runs</c> queues more).</summary>
public static class TrainingApi
{
    public static RouteGroupBuilder MapTrainingApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/train").WithTags("Training").AddEndpointFilter<InputProblemFilter>();

        group.MapPost("/", StartRun)
            .WithName("StartRun")
            .WithSummary("Start a training run")
            .WithDescription("Optional JSON body of hyperparameters (epochs, batchSize, learningRate, latentDim, beta, likelihood, dataset, seed); fields left out take the configured defaults. {\"resume\": \"<runId>\"} (optionally with a larger epochs) continues an earlier run from its last checkpoint with its optimiser state and epoch counter.")
            .Accepts<TrainRequest>("application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .RequireTrainingControl()
            .WithUploadLimit();
        group.MapGet("/", GetStatus)
            .WithName("GetTrainingStatus")
            .WithSummary("Status of the current or last run")
            .RequireReadAccess();
        group.MapGet("/events", StreamStatus)
            .WithName("StreamTrainingStatus")
            .WithSummary("The run status as Server-Sent Events, one event per update")
            .RequireReadAccess()
            .DisableRequestTimeout();
        group.MapDelete("/", CancelRun)
            .WithName("CancelRun")
            .WithSummary("Cancel the active run (its last checkpoint is kept)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .RequireTrainingControl();
        return group;
    }

    public static async Task<Results<Accepted<RunStatus>, ProblemHttpResult>> StartRun(
        HttpRequest request,
        RunScheduler training,
        DatasetCatalog datasets,
        CancellationToken cancellationToken)
    {
        var (body, refusal) = await ReadBodyAsync(request, cancellationToken);
        if (refusal is not null)
        {
            return refusal;
        }

        var resumeErrors = new Dictionary<string, string[]>();
        var resume = TrainRequestReader.ReadResume(body, resumeErrors);
        if (resumeErrors.Count > 0)
        {
            throw new BadInputException(resumeErrors);
        }

        if (resume is not null)
        {
            return Answer(training.TryResume(resume.RunId, resume.Epochs));
        }

        var errors = TrainRequestReader.Read(body, training.Defaults, datasets.Names, out var parameters);
        return errors.Count > 0 ? throw new BadInputException(errors) : Answer(training.TryStart(parameters));
    }

    /// <summary>The optional JSON body; a body of another type (415) or past the upload limit (413) is refused.</summary>
    internal static async Task<(JsonElement? Body, ProblemHttpResult? Refusal)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is not > 0 && request.Headers.TransferEncoding.Count == 0)
        {
            return (null, null);
        }

        if (!request.HasJsonContentType())
        {
            return (null, TypedResults.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported body",
                detail: $"The body must be JSON (Content-Type: application/json), got '{request.ContentType}'."));
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            throw BadInputException.Invalid("body", $"The body is not valid JSON: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A body without a declared length that ran past Vae:Limits:MaxUploadBytes.
            return (null, TypedResults.Problem(statusCode: e.StatusCode, title: "The body is too large", detail: e.Message));
        }
    }

    internal static Results<Accepted<RunStatus>, ProblemHttpResult> Answer(StartResult result) => result switch
    {
        StartResult.Started started => TypedResults.Accepted($"/runs/{started.Status.RunId}", started.Status),
        StartResult.AlreadyActive active => Problems.Conflict(
            "A run is already active",
            $"Run {active.Status.RunId} is {active.Status.State.ToString().ToLowerInvariant()}; cancel it with DELETE /train or wait for it to finish."),
        StartResult.Disabled => DisabledProblem(),
        StartResult.QueueFull full => Problems.Conflict(
            "The queue is full",
            $"{full.Queued} runs are queued, the most Vae:Lab:MaxQueuedRuns allows ({full.Max}); cancel one with DELETE /runs/{{id}} or wait."),
        StartResult.UnknownRun unknown => Problems.NotFound("No such run", $"There is no run with id '{unknown.RunId}' to resume; GET /runs lists them."),
        StartResult.NotResumable notResumable => Problems.Conflict("The run cannot be resumed", notResumable.Reason),
        _ => throw new InvalidOperationException("Unknown start result."),
    };

    /// <summary>403 on a serve-only replica for anything that would train or change the history.</summary>
    internal static ProblemHttpResult DisabledProblem() => TypedResults.Problem(
        statusCode: StatusCodes.Status403Forbidden,
        title: "Training is disabled",
        detail: "This instance serves models only (Vae:Training:Enabled is false).");

    public static Ok<RunStatus> GetStatus(TrainingStatusFeed feed) => TypedResults.Ok(feed.Current);

    public static ServerSentEventsResult<RunStatus> StreamStatus(TrainingStatusFeed feed, CancellationToken cancellationToken) =>
        TypedResults.ServerSentEvents(
            feed.Subscribe(cancellationToken).Select(status => new SseItem<RunStatus>(status, "status")));

    public static Results<Accepted<RunStatus>, ProblemHttpResult> CancelRun(RunScheduler training, TrainingStatusFeed feed) =>
        training.TryCancel()
            ? TypedResults.Accepted((string?)null, feed.Current)
            : Problems.NotFound("No active run", "There is no queued or running run to cancel.");
}
