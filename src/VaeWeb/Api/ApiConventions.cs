namespace VaeWeb.Api;

/// <summary>What the endpoints declare to the OpenAPI document, written once.</summary>
public static class ApiConventions
{
    public const string ProblemJson = "application/problem+json";

    /// <summary>
    /// Input problems (400, 404, 413, 415) are <see cref="HttpValidationProblemDetails"/>: their
    /// <c>errors</c> name the field at fault, whatever the status.
    /// </summary>
    public static RouteHandlerBuilder ProducesInputProblems(this RouteHandlerBuilder builder, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            builder.Produces<HttpValidationProblemDetails>(status, ProblemJson);
        }

        return builder;
    }

    /// <summary>503 before the first model is published; the answer carries <c>Retry-After</c>.</summary>
    public static RouteHandlerBuilder ProducesNoModel(this RouteHandlerBuilder builder) =>
        builder.ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>
    /// 200 as a PNG (the default) or as JSON <typeparamref name="T"/>. The document filter
    /// describes the PNG as binary; both are listed so a client may ask for either.
    /// </summary>
    public static RouteHandlerBuilder ProducesImageOr<T>(this RouteHandlerBuilder builder)
        where T : notnull =>
        builder.Produces<T>(StatusCodes.Status200OK, "image/png", "application/json");

    /// <summary>
    /// Documents the request body's schema and content types. "*/*" is accepted too (and left out
    /// of the document) because routing answers a content type missing from this list with a bare
    /// 415 before the handler runs; the handler's own 415 names the field and the types it takes.
    /// </summary>
    public static RouteHandlerBuilder AcceptsBody<T>(this RouteHandlerBuilder builder, bool isOptional, params string[] contentTypes)
        where T : notnull =>
        builder.Accepts<T>(isOptional, contentTypes[0], [.. contentTypes[1..], "*/*"]);

    /// <summary>
    /// A JSON <typeparamref name="T"/> or an image: a raw PNG or JPEG, or a form whose field
    /// <c>file</c> holds one (the document filter describes those as binary).
    /// </summary>
    public static RouteHandlerBuilder AcceptsImageOr<T>(this RouteHandlerBuilder builder)
        where T : notnull =>
        builder.AcceptsBody<T>(false, "application/json", "image/png", "image/jpeg", "multipart/form-data");
}
