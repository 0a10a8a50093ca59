using Microsoft.Net.Http.Headers;

namespace VaeWeb.Api;

/// <summary>The <c>format</c> query parameter of the endpoints that answer an image or its numbers.</summary>
public enum OutputFormat
{
    Png,
    Json,
}

/// <summary>PNG or JSON, chosen by <c>format=</c> or the <c>Accept</c> header (PNG when neither asks for JSON).</summary>
public static class ResponseFormat
{
    public const string ModelVersionHeader = "X-Model-Version";

    public static bool WantsJson(HttpRequest request, OutputFormat? format)
    {
        if (format is { } chosen)
        {
            return chosen == OutputFormat.Json;
        }

        var accept = request.GetTypedHeaders().Accept;
        if (accept.Count == 0)
        {
            return false;
        }

        // The most preferred of the two wins; browsers' */* keeps PNG.
        var json = Quality(accept, "application/json");
        var png = Quality(accept, "image/png");
        return json > 0 && json > png;
    }

    /// <summary>True when an If-None-Match header lists <paramref name="etag"/> (weakly compared, as RFC 9110 asks for GET) or is <c>*</c>.</summary>
    public static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var header in ifNoneMatch)
        {
            if (header is null)
            {
                continue;
            }

            foreach (var part in header.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var tag = part.StartsWith("W/", StringComparison.Ordinal) ? part[2..] : part;
                if (tag == "*" || tag == etag)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static double Quality(IList<MediaTypeHeaderValue> accept, string mediaType)
    {
        var wanted = new MediaTypeHeaderValue(mediaType);
        double best = 0;
        foreach (var value in accept)
        {
            if (value.MatchesMediaType(mediaType) && !value.MatchesAllTypes)
            {
                best = Math.Max(best, value.Quality ?? 1.0);
            }
            else if (wanted.IsSubsetOf(value))
            {
                // Wildcards count a little less than an exact match.
                best = Math.Max(best, (value.Quality ?? 1.0) * 0.99);
            }
        }

        return best;
    }
}
