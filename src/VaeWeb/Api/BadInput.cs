using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Imaging;

namespace VaeWeb.Api;

/// <summary>
/// A request the API cannot serve, with the field (or fields) at fault. Readers throw it so handlers
/// stay linear (parse → compute → respond); <see cref="InputProblemFilter"/> turns it into a
/// ProblemDetails body with an <c>errors</c> entry under each field's name, whatever the status
/// (400, 404, 413, 415).
/// </summary>
public sealed class BadInputException : Exception
{
    public BadInputException(int statusCode, string field, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Field = field;
        Errors = new Dictionary<string, string[]> { [field] = [message] };
    }

    /// <summary>Every wrong field of a request at once (a training request reports them all in one answer).</summary>
    public BadInputException(IDictionary<string, string[]> errors)
        : base(string.Join(" ", errors.SelectMany(e => e.Value)))
    {
        StatusCode = StatusCodes.Status400BadRequest;
        Field = null;
        Errors = errors;
    }

    public int StatusCode { get; }

    /// <summary>The one field at fault; null for a whole request's list of errors.</summary>
    public string? Field { get; }

    public IDictionary<string, string[]> Errors { get; }

    public static BadInputException Invalid(string field, string message) => new(StatusCodes.Status400BadRequest, field, message);

    public static BadInputException From(ImageInputException e) => new(e.StatusCode, e.Field, e.Message);

    public ProblemHttpResult ToProblem() =>
        TypedResults.Problem(new HttpValidationProblemDetails(Errors)
        {
            Status = StatusCode,
            Title = (Field, StatusCode) switch
            {
                (null, _) => "The request is not valid",
                (_, StatusCodes.Status404NotFound) => $"No such '{Field}'",
                (_, StatusCodes.Status413PayloadTooLarge) => $"'{Field}' is too large",
                (_, StatusCodes.Status415UnsupportedMediaType) => "Unsupported body",
                _ => $"Invalid '{Field}'",
            },
            Detail = Message,
        });
}

/// <summary>Thrown by <see cref="ModelCall.Lease"/> before the first model is published.</summary>
public sealed class NoModelException() : Exception("No model is serving yet.");

/// <summary>
/// The one place bad input becomes an answer: every API group carries this filter, so a handler
/// throws <see cref="BadInputException"/> or <see cref="NoModelException"/> from any depth and the
/// client gets the same ProblemDetails (503 with <c>Retry-After</c> for no model).
/// </summary>
public sealed class InputProblemFilter(IOptions<VaeOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (BadInputException e)
        {
            return e.ToProblem();
        }
        catch (NoModelException)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(options.Value.Limits.NoModelRetryAfter.TotalSeconds));
            context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Problems.NoModel();
        }
    }
}
