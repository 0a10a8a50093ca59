using System.Text.Json;
using System.Text.Json.Serialization;

namespace VaeWeb.Configuration;

/// <summary>The one set of JSON conventions for HTTP, SSE and the run store: camelCase, enums as camelCase strings.</summary>
public sealed class JsonSerializerOptionsProvider
{
    public JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        return options;
    }
}
