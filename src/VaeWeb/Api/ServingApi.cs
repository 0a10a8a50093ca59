using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Limits;
using VaeWeb.Security;
using VaeWeb.Serving;

namespace VaeWeb.Api;

/// <summary>The body of <c>PUT /serving</c>: the run id (its last epoch) or version to serve.</summary>
public sealed record ServeRequest(string Model);

/// <summary><c>/serving</c>: which model answers requests that name none, and pinning one.</summary>
public static class ServingApi
{
    public static RouteGroupBuilder MapServingApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/serving").WithTags("Serving").AddEndpointFilter<InputProblemFilter>();
        group.MapGet("/", GetServing)
            .WithName("GetServing")
            .WithSummary("The pinned version (null when the newest serves) and the version serving now")
            .RequireReadAccess();
        group.MapPut("/", Pin)
            .WithName("PinServing")
            .WithSummary("Serve one run (its last epoch) or version to every request that names no model, until unpinned")
            .WithDescription("Body {\"model\": \"<runId>\" or \"<runId>.e<k>\"}. The trainer's new epochs keep being checkpointed but do not replace the pinned model; serve-only replicas follow the pin.")
            .AcceptsBody<ServeRequest>(isOptional: false, "application/json")
            .ProducesInputProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .RequireTrainingControl()
            .WithUploadLimit();
        group.MapDelete("/", Unpin)
            .WithName("UnpinServing")
            .WithSummary("Unpin: the newest checkpoint serves again, and each new epoch after it")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .RequireTrainingControl();
        return group;
    }

    public static Ok<ServingState> GetServing(ServedModels served) => TypedResults.Ok(served.State);

    public static async Task<Results<Ok<ServingState>, ProblemHttpResult>> Pin(HttpRequest request, ServedModels served, IOptions<VaeOptions> options)
    {
        if (ServeOnly(options) is { } refusal)
        {
            return refusal;
        }

        var body = await RequestBodies.ReadAsync(request, options.Value, imagesAllowed: false, request.HttpContext.RequestAborted);
        var json = JsonInput.RequireObject<ServeRequest>(body.JsonOr("model", "Send a JSON body {\"model\": \"<runId>\" or \"<runId>.e<k>\"}."));
        var model = JsonInput.Field(json, "model") is { ValueKind: System.Text.Json.JsonValueKind.String } value
            ? value.GetString()!
            : throw BadInputException.Invalid("model", "model is required: a run id (GET /runs) or a version '<runId>.e<k>'.");
        return TypedResults.Ok(served.Pin(model));
    }

    public static Results<Ok<ServingState>, ProblemHttpResult> Unpin(ServedModels served, IOptions<VaeOptions> options) =>
        ServeOnly(options) is { } refusal ? refusal : TypedResults.Ok(served.Unpin());

    /// <summary>A serve-only replica follows the trainer's pin and never writes one.</summary>
    private static ProblemHttpResult? ServeOnly(IOptions<VaeOptions> options) =>
        options.Value.Training.Enabled
            ? null
            : TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "This instance serves models only",
                detail: "Pin on the trainer (Vae:Training:Enabled is false here); serve-only replicas follow its pin.");
}
