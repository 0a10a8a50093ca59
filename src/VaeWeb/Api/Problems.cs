using Microsoft.AspNetCore.Http.HttpResults;

namespace VaeWeb.Api;

/// <summary>
/// The ProblemDetails bodies of outcomes a handler returns (no such item, a conflict, no model).
/// Bad input is thrown as <see cref="BadInputException"/> instead and rendered by <see cref="InputProblemFilter"/>.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult NoModel() =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "No model yet",
            detail: "Training is under way: the first model is served when the first epoch ends. Follow GET /train or GET /train/events.");

    public static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: title, detail: detail);

    public static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
