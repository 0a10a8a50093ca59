using Microsoft.AspNetCore.Http.HttpResults;
using VaeWeb.Imaging;

namespace VaeWeb.Api;

/// <summary>
/// A request the latent endpoints cannot serve, with the field at fault. Parsing code throws it so
/// the handlers stay linear; each handler turns it into a ProblemDetails body with an <c>errors</c>
/// entry under the field's name, whatever the status (400, 404, 413, 415).
/// </summary>
public sealed class BadInputException(int statusCode, string field, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Field { get; } = field;

    public static BadInputException Invalid(string field, string message) => new(StatusCodes.Status400BadRequest, field, message);

    public static BadInputException From(ImageInputException e) => new(e.StatusCode, e.Field, e.Message);

    public ProblemHttpResult ToProblem() => Problem(StatusCode, Field, Message);

    public static ProblemHttpResult Problem(int statusCode, string field, string message) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = statusCode,
            Title = statusCode switch
            {
                StatusCodes.Status404NotFound => $"No such '{field}'",
                StatusCodes.Status413PayloadTooLarge => $"'{field}' is too large",
                StatusCodes.Status415UnsupportedMediaType => "Unsupported body",
                _ => $"Invalid '{field}'",
            },
            Detail = message,
        });
}

/// <summary>Adds the problem statuses the latent endpoints answer with to the OpenAPI document.</summary>
public static class LatentEndpointConventions
{
    public static RouteHandlerBuilder ProducesInputProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.ProducesProblem(status);
        }

        return builder;
    }

    /// <summary>
    /// Documents the request body's schema and content types. "*/*" is listed too because routing
    /// answers a content type missing from this list with a bare 415 before the handler runs; the
    /// handler's own 415 names the field and the types it takes.
    /// </summary>
    public static RouteHandlerBuilder AcceptsBody<T>(this RouteHandlerBuilder builder, bool isOptional, params string[] contentTypes)
        where T : notnull =>
        builder.Accepts<T>(isOptional, contentTypes[0], [.. contentTypes[1..], "*/*"]);
}
