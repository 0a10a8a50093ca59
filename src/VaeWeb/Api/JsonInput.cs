using System.Collections.Concurrent;
using System.Text.Json;

namespace VaeWeb.Api;

/// <summary>
/// Reads the fields of a JSON body strictly: every problem names its field and says what is allowed.
/// The fields a body may hold are those of the request record the handler fills (the record the
/// OpenAPI document shows), so document and reader cannot disagree.
/// </summary>
public static class JsonInput
{
    private static readonly ConcurrentDictionary<Type, string[]> FieldsByRecord = new();

    /// <summary>The JSON names of <typeparamref name="T"/>'s constructor parameters, in order.</summary>
    public static string[] FieldsOf<T>() =>
        FieldsByRecord.GetOrAdd(typeof(T), type => type.GetConstructors()
            .OrderByDescending(c => c.GetParameters().Length)
            .First()
            .GetParameters()
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name!))
            .ToArray());

    /// <summary>A JSON object whose fields all belong to <typeparamref name="T"/>.</summary>
    public static JsonElement RequireObject<T>(JsonElement root) => RequireObject(root, FieldsOf<T>());

    public static JsonElement RequireObject(JsonElement root, params string[] allowed)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw BadInputException.Invalid("body", $"The body must be a JSON object with any of: {string.Join(", ", allowed)}.");
        }

        foreach (var property in root.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                throw BadInputException.Invalid(property.Name, $"'{property.Name}' is not a field of this request; allowed: {string.Join(", ", allowed)}.");
            }
        }

        return root;
    }

    public static JsonElement? Field(JsonElement obj, string name)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind != JsonValueKind.Null)
            {
                return property.Value;
            }
        }

        return null;
    }

    /// <summary>An array of exactly <paramref name="length"/> finite numbers (in [0, 1] when <paramref name="unitRange"/>).</summary>
    public static float[] Vector(JsonElement value, string field, int length, bool unitRange, string? label = null)
    {
        label ??= field;
        var what = unitRange ? $"{length} numbers in [0, 1]" : $"{length} finite numbers";
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw BadInputException.Invalid(field, $"{label} must be an array of {what}, got {Kind(value)}.");
        }

        var count = value.GetArrayLength();
        if (count != length)
        {
            throw BadInputException.Invalid(field, $"{label} must hold exactly {what}, got {count}.");
        }

        var result = new float[length];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            // Named literals ("NaN", "Infinity") and numbers beyond float's range are refused alike.
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out var number) || !double.IsFinite(number) || !float.IsFinite((float)number))
            {
                throw BadInputException.Invalid(field, $"{label}[{i}] must be a finite number, got {Truncate(item.GetRawText())}.");
            }

            if (unitRange && (number < 0 || number > 1))
            {
                throw BadInputException.Invalid(field, $"{label}[{i}] must be in [0, 1], got {number}.");
            }

            result[i++] = (float)number;
        }

        return result;
    }

    /// <summary>An array of 1 to <paramref name="max"/> vectors.</summary>
    public static float[][] Vectors(JsonElement value, string field, int length, bool unitRange, int max)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw BadInputException.Invalid(field, $"{field} must be an array of 1 to {max} arrays, got {Kind(value)}.");
        }

        var count = value.GetArrayLength();
        if (count < 1 || count > max)
        {
            throw BadInputException.Invalid(field, $"{field} must hold 1 to {max} items, got {count}.");
        }

        var result = new float[count][];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            result[i] = Vector(item, field, length, unitRange, $"{field}[{i}]");
            i++;
        }

        return result;
    }

    public static int WholeNumber(JsonElement? value, string field, int fallback, int min, int max)
    {
        if (value is null)
        {
            return fallback;
        }

        if (value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }

        throw BadInputException.Invalid(field, $"{field} must be an integer from {min} to {max}, got {Truncate(value.Value.GetRawText())}.");
    }

    public static long? Seed(JsonElement? value, string field = "seed")
    {
        if (value is null)
        {
            return null;
        }

        if (value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetInt64(out var seed) && seed >= 0)
        {
            return seed;
        }

        throw BadInputException.Invalid(field, $"{field} must be a non-negative integer, got {Truncate(value.Value.GetRawText())}.");
    }

    public static bool Bool(JsonElement? value, string field) => value?.ValueKind switch
    {
        null => false,
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw BadInputException.Invalid(field, $"{field} must be true or false, got {Truncate(value.Value.GetRawText())}."),
    };

    private static string Kind(JsonElement value) => value.ValueKind.ToString().ToLowerInvariant();

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
