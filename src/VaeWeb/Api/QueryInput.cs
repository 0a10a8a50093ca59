using System.Globalization;

namespace VaeWeb.Api;

/// <summary>
/// Reads query and path values strictly, for every endpoint alike: the parameters bind as text so
/// that a wrong value gets our message naming the field and what is allowed ("n must be an integer
/// from 1 to 256, got '0'") instead of the framework's bare 400. The OpenAPI document declares
/// their real types (see <c>ParameterSchemaFilter</c>).
/// </summary>
public static class QueryInput
{
    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]; <paramref name="fallback"/> when absent. <paramref name="note"/> follows the range in the message.</summary>
    public static int WholeNumber(string? raw, string field, int fallback, int min, int max, string note = "")
    {
        if (raw is null)
        {
            return fallback;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw BadInputException.Invalid(field, $"{field} must be an integer from {min} to {max}{note}, got '{raw}'.");
    }

    /// <summary>A non-negative seed, or null when absent.</summary>
    public static long? Seed(string? raw, string field = "seed") =>
        raw is null ? null
        : long.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value
        : throw BadInputException.Invalid(field, $"{field} must be a non-negative integer, got '{raw}'.");

    public static bool Bool(string? raw, string field) => raw switch
    {
        null => false,
        _ when bool.TryParse(raw, out var value) => value,
        _ => throw BadInputException.Invalid(field, $"{field} must be true or false, got '{raw}'."),
    };

    /// <summary><c>format</c>: png or json (any case); null when absent, so the Accept header decides.</summary>
    public static OutputFormat? Format(string? raw) => raw switch
    {
        null or "" => null,
        _ when raw.Equals("json", StringComparison.OrdinalIgnoreCase) => OutputFormat.Json,
        _ when raw.Equals("png", StringComparison.OrdinalIgnoreCase) => OutputFormat.Png,
        _ => throw BadInputException.Invalid("format", $"format must be 'png' or 'json', got '{raw}'."),
    };
}
