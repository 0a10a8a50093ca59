using System.Globalization;
using VaeWeb.Serving;

namespace VaeWeb.Api;

/// <summary>
/// Reads <c>sampler</c>, <c>temperature</c> and <c>digit</c> from the query of every endpoint that draws z:
/// absent values give the reference (N(0, I) at temperature 1), so old URLs answer as before.
/// </summary>
public static class SamplerQuery
{
    /// <summary>The largest temperature taken: beyond it every sampler draws far outside where the encoder puts digits.</summary>
    public const double MaxTemperature = 3.0;

    /// <summary>Digit classes of the aggregate sampler (every data set here has ten labels).</summary>
    public const int Classes = 10;

    /// <summary>The choice named by the query; throws <see cref="BadInputException"/> naming the field at fault.</summary>
    public static SamplerChoice Read(string? sampler, string? temperature, string? digit)
    {
        var kind = sampler switch
        {
            null or "" => SamplerKind.Prior,
            _ when sampler.Equals("prior", StringComparison.OrdinalIgnoreCase) => SamplerKind.Prior,
            _ when sampler.Equals("aggregate", StringComparison.OrdinalIgnoreCase) => SamplerKind.Aggregate,
            _ => throw BadInputException.Invalid("sampler", $"sampler must be 'prior' (z ~ N(0, I), the default) or 'aggregate' (per-class Gaussians fitted to the training set's encodings), got '{sampler}'."),
        };

        var t = 1.0;
        if (temperature is not null
            && (!double.TryParse(temperature, NumberStyles.Float, CultureInfo.InvariantCulture, out t) || !double.IsFinite(t) || t < 0 || t > MaxTemperature))
        {
            throw BadInputException.Invalid("temperature", $"temperature must be a number from 0 to {MaxTemperature.ToString(CultureInfo.InvariantCulture)} (1 = the fitted spread), got '{temperature}'.");
        }

        int? d = null;
        if (digit is not null)
        {
            if (!int.TryParse(digit, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 0 || value >= Classes)
            {
                throw BadInputException.Invalid("digit", $"digit must be an integer from 0 to {Classes - 1}, got '{digit}'.");
            }

            if (kind != SamplerKind.Aggregate)
            {
                throw BadInputException.Invalid("digit", "digit draws one class and needs sampler=aggregate: the prior N(0, I) knows no classes.");
            }

            d = value;
        }

        return new SamplerChoice(kind, t, d);
    }
}

/// <summary>The sampler a response was drawn with, as JSON names it.</summary>
public sealed record SamplerInfo(string Name, double Temperature, int? Digit)
{
    /// <summary>Null for the reference (so reference answers keep their old shape).</summary>
    public static SamplerInfo? Of(SamplerChoice choice) =>
        choice == SamplerChoice.Reference ? null : new SamplerInfo(NameOf(choice.Kind), choice.Temperature, choice.Digit);

    public static string NameOf(SamplerKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>What an ETag adds for a non-reference sampler; nothing for the reference, whose tags stay as they were.</summary>
    public static string EtagPart(SamplerChoice choice) =>
        choice == SamplerChoice.Reference
            ? ""
            : string.Create(CultureInfo.InvariantCulture, $".{NameOf(choice.Kind)}.t{choice.Temperature:R}{(choice.Digit is { } d ? $".d{d}" : "")}");
}
