using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Api;
using VaeWeb.Security;

namespace VaeWeb.Training;

/// <summary><c>/runs/{id}/export</c> and <c>/runs/import</c>: a run as one file, to move it to another instance.</summary>
public static class RunArchiveApi
{
    private static readonly string[] ImportTypes = [RunArchiveFormat.ContentType, "application/octet-stream"];

    public static RouteGroupBuilder MapRunArchiveApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/runs").WithTags("Training");
        // A transfer takes as long as the network does, not the compute the request timeout guards.
        group.MapGet("/{id}/export", Export)
            .WithName("ExportRun")
            .WithSummary("One finished run as a zip: its record, its checkpoints (weights, optimiser state) and a manifest with their SHA-256")
            .WithDescription("Saved as <runId>.vaerun.zip; POST /runs/import on another instance brings it in. A queued or running run, or one without a checkpoint that verifies, is 409.")
            .Produces<Stream>(StatusCodes.Status200OK, RunArchiveFormat.ContentType)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .DisableRequestTimeout();
        group.MapPost("/import", Import)
            .WithName("ImportRun")
            .WithSummary("Bring in a run exported by GET /runs/{id}/export; it is listed like any run and serves if nothing does yet")
            .WithDescription("The body is the export, as written (Content-Type: application/zip or application/octet-stream). Everything is checked before anything is kept: the zip, the manifest's SHA-256 and size of every entry, the run's parameters, and that the weights fit them; a refusal names the entry at fault and leaves nothing behind.")
            .AcceptsBody<Stream>(false, ImportTypes)
            .Produces<RunRecord>(StatusCodes.Status201Created)
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireTrainingControl()
            .DisableRequestTimeout();
        return group;
    }

    public static Results<PushStreamHttpResult, ProblemHttpResult> Export(string id, RunExporter exporter, CancellationToken cancellationToken)
    {
        if (exporter.Plan(id) is not { } export)
        {
            return Problems.NotFound("No such run", $"There is no run with id '{id}'; GET /runs lists them.");
        }

        if (export.Run.State is RunState.Queued or RunState.Running)
        {
            return Problems.Conflict(
                "The run is still active",
                $"Run {id} is {export.Run.State.ToString().ToLowerInvariant()}; export it once it has finished, or cancel it with DELETE /runs/{id}.");
        }

        if (export.CheckpointStems.Count == 0)
        {
            return Problems.Conflict("The run has no checkpoint", $"Run {id} has no checkpoint that verifies, so there is no model to export.");
        }

        return TypedResults.Stream(
            body => exporter.WriteAsync(export, body, cancellationToken),
            RunArchiveFormat.ContentType,
            id + RunArchiveFormat.FileSuffix);
    }

    public static async Task<Results<Created<RunRecord>, ProblemHttpResult>> Import(HttpContext context, RunImporter importer)
    {
        var request = context.Request;
        if (!ImportTypes.Any(t => string.Equals(request.ContentType?.Split(';')[0].Trim(), t, StringComparison.OrdinalIgnoreCase)))
        {
            throw new BadInputException(
                StatusCodes.Status415UnsupportedMediaType,
                "body",
                $"The body must be a run export (Content-Type: {string.Join(" or ", ImportTypes)}), got '{request.ContentType}'.");
        }

        // An export is larger than the server's limit for other bodies (Vae:Limits:MaxRequestBodyBytes).
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = importer.MaxBytes;
        }

        return await importer.ImportAsync(request.Body, request.ContentLength, context.RequestAborted) switch
        {
            ImportResult.Imported imported => TypedResults.Created($"/runs/{imported.Run.RunId}", imported.Run),
            ImportResult.AlreadyPresent { InHistory: true } present => Problems.Conflict(
                "The run is already here",
                $"This instance already holds run {present.RunId} (GET /runs/{present.RunId}); an id is imported once."),
            ImportResult.AlreadyPresent present => Problems.Conflict(
                "The run's checkpoint folder is already here",
                $"checkpoints/{present.RunId} exists in the state directory but the history holds no such run (an import stopped between the two); remove that folder to import the run."),
            ImportResult.Disabled => TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "Training is disabled",
                detail: "This instance serves models only (Vae:Training:Enabled is false); import the run on the trainer."),
            _ => throw new InvalidOperationException("Unknown import result."),
        };
    }
}
