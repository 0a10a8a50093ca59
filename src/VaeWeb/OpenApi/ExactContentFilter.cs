using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace VaeWeb.OpenApi;

/// <summary>
/// Says what travels on the wire where the endpoint metadata cannot: images as binary (a 200 PNG,
/// a raw PNG/JPEG upload, a form's <c>file</c> field), <c>Retry-After</c> on 429 and 503, and no
/// <c>*/*</c> body (it is accepted only so the handler's own 415 can name the allowed types).
/// </summary>
public sealed class ExactContentFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.RequestBody is OpenApiRequestBody { Content: { } body })
        {
            body.Remove("*/*");
            foreach (var type in body.Keys.ToArray())
            {
                if (type.StartsWith("image/", StringComparison.Ordinal))
                {
                    body[type] = Media(Binary("A PNG or JPEG of any size, made MNIST-like (grayscale, light on dark, fitted to 20×20, centred by mass in 28×28)."));
                }
                else if (type == "multipart/form-data")
                {
                    body[type] = Media(new OpenApiSchema
                    {
                        Type = JsonSchemaType.Object,
                        Properties = new Dictionary<string, IOpenApiSchema> { ["file"] = Binary("A PNG or JPEG, as for a raw upload.") },
                        Required = new HashSet<string> { "file" },
                    });
                }
            }
        }

        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }

            foreach (var type in concrete.Content?.Keys.ToArray() ?? [])
            {
                if (type.StartsWith("image/", StringComparison.Ordinal))
                {
                    concrete.Content![type] = Media(Binary("The image, 28×28 tiles."));
                }
            }

            if (status is "429" or "503")
            {
                concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                concrete.Headers["Retry-After"] = new OpenApiHeader
                {
                    Description = "Seconds to wait before trying again.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
                };
            }
        }
    }

    private static OpenApiMediaType Media(OpenApiSchema schema) => new() { Schema = schema };

    private static OpenApiSchema Binary(string description) =>
        new() { Type = JsonSchemaType.String, Format = "binary", Description = description };
}
