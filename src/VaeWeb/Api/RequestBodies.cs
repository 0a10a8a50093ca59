using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using VaeWeb.Configuration;
using VaeWeb.Imaging;
using VaeWeb.Vae.Model;

namespace VaeWeb.Api;

/// <summary>What a request body held: a JSON document, an encoded image, or nothing.</summary>
public abstract record RequestBody
{
    /// <summary>The JSON document of the body; any other body is a 400 on <paramref name="field"/> with <paramref name="message"/>.</summary>
    public JsonElement JsonOr(string field, string message) =>
        this is Json json ? json.Root : throw BadInputException.Invalid(field, message);

    /// <summary>The JSON object of a body that may be empty (null then), its fields those of <typeparamref name="T"/>.</summary>
    public JsonElement? OptionalJson<T>() =>
        this is Json json ? JsonInput.RequireObject<T>(json.Root) : null;

    public sealed record Json(JsonElement Root) : RequestBody;

    /// <summary>An encoded image; <paramref name="Field"/> is "body" for a raw upload, "file" for a form.</summary>
    public sealed record Image(byte[] Bytes, string Field) : RequestBody;

    public sealed record Empty : RequestBody;
}

/// <summary>Reads bodies with a byte limit (413 beyond it) and turns uploads into MNIST-like inputs.</summary>
public static class RequestBodies
{
    public const string ImageContentTypes = "application/json, image/png, image/jpeg or multipart/form-data (field 'file')";

    public static async Task<RequestBody> ReadAsync(HttpRequest request, VaeOptions options, bool imagesAllowed, CancellationToken cancellationToken)
    {
        // Images are held to the upload limit; JSON may be larger (256 images of 784 numbers run to a few MB).
        var isJson = request.HasJsonContentType();
        var max = isJson || !imagesAllowed ? options.Limits.MaxRequestBodyBytes : options.Limits.MaxUploadBytes;
        if (request.ContentLength > max)
        {
            throw TooLarge(request.HasFormContentType ? "file" : "body", request.ContentLength.Value, max);
        }

        var contentType = request.ContentType;
        if (string.IsNullOrEmpty(contentType))
        {
            var bytes = await ReadCappedAsync(request.Body, max, "body", cancellationToken);
            return bytes.Length == 0
                ? new RequestBody.Empty()
                : throw Unsupported(contentType, imagesAllowed);
        }

        if (isJson)
        {
            var bytes = await ReadCappedAsync(request.Body, max, "body", cancellationToken);
            try
            {
                using var document = JsonDocument.Parse(bytes);
                return new RequestBody.Json(document.RootElement.Clone());
            }
            catch (JsonException e)
            {
                throw BadInputException.Invalid("body", $"The body is not valid JSON: {e.Message}");
            }
        }

        if (!imagesAllowed)
        {
            throw Unsupported(contentType, imagesAllowed);
        }

        if (request.HasFormContentType)
        {
            return await ReadFormFileAsync(request, max, cancellationToken);
        }

        if (contentType.StartsWith("image/", StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase))
        {
            return new RequestBody.Image(await ReadCappedAsync(request.Body, max, "body", cancellationToken), "body");
        }

        throw Unsupported(contentType, imagesAllowed);
    }

    /// <summary>
    /// The file of a form. The body is read (and held to <paramref name="max"/>) before it is
    /// parsed, so a form that fails to parse was malformed, not too large: 400, not 413.
    /// </summary>
    private static async Task<RequestBody.Image> ReadFormFileAsync(HttpRequest request, long max, CancellationToken cancellationToken)
    {
        var bytes = await ReadCappedAsync(request.Body, max, "file", cancellationToken);
        request.Body = new MemoryStream(bytes, writable: false);
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(new FormOptions { MultipartBodyLengthLimit = max, BufferBodyLengthLimit = max }, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw BadInputException.Invalid("file", $"The form is malformed ({e.Message.Trim()}); send multipart/form-data with a PNG or JPEG in the field 'file'.");
        }

        var file = form.Files.GetFile("file") ?? (form.Files.Count > 0 ? form.Files[0] : null)
            ?? throw BadInputException.Invalid("file", "A multipart request must carry a PNG or JPEG file in the form field 'file'.");
        await using var stream = file.OpenReadStream();
        return new RequestBody.Image(await ReadCappedAsync(stream, max, "file", cancellationToken), "file");
    }

    /// <summary>
    /// The images of a JSON body: <c>pixels</c> (one image) or <c>images</c> (a batch of up to
    /// <paramref name="maxItems"/>), each 784 numbers in [0, 1].
    /// </summary>
    public static (float[]? Pixels, float[][]? Images) JsonImages(JsonElement obj, int maxItems)
    {
        var pixels = JsonInput.Field(obj, "pixels");
        var images = JsonInput.Field(obj, "images");
        return (pixels, images) switch
        {
            ({ }, { }) => throw BadInputException.Invalid("pixels", "Send either pixels (one image) or images (a batch), not both."),
            ({ } one, null) => (JsonInput.Vector(one, "pixels", ModelConfig.Pixels, unitRange: true), null),
            (null, { } many) => (null, JsonInput.Vectors(many, "images", ModelConfig.Pixels, unitRange: true, maxItems)),
            _ => throw BadInputException.Invalid("pixels", $"The JSON body must hold pixels ({ModelConfig.Pixels} numbers in [0, 1]) or images (1 to {maxItems} such arrays)."),
        };
    }

    /// <summary>An uploaded PNG or JPEG made MNIST-like (784 values in [0, 1]); any other body is a 400.</summary>
    public static float[] Upload(RequestBody body, VaeOptions options, CancellationToken cancellationToken) =>
        body is RequestBody.Image image
            ? Preprocess(image, options, cancellationToken)
            : throw BadInputException.Invalid("body", $"The request needs an image: {ImageContentTypes}.");

    public static float[] Preprocess(RequestBody.Image image, VaeOptions options, CancellationToken cancellationToken)
    {
        if (image.Bytes.Length == 0)
        {
            throw BadInputException.Invalid(image.Field, $"{image.Field} is empty; send a PNG or JPEG.");
        }

        try
        {
            return MnistPreprocessor.FromEncoded(image.Bytes, options.Limits, image.Field, cancellationToken);
        }
        catch (ImageInputException e)
        {
            throw BadInputException.From(e);
        }
    }

    private static async Task<byte[]> ReadCappedAsync(Stream body, long max, string field, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > max)
                {
                    throw TooLarge(field, null, max);
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A body without a declared length that ran past the server's limit for this endpoint.
            throw TooLarge(field, null, max);
        }
        catch (BadHttpRequestException e)
        {
            // The client stopped sending before the length it declared.
            throw BadInputException.Invalid(field, $"The body is incomplete ({e.Message.Trim()}).");
        }

        return buffer.ToArray();
    }

    private static BadInputException TooLarge(string field, long? length, long max) =>
        new(StatusCodes.Status413PayloadTooLarge, field, $"{field} is {(length is { } n ? $"{n:N0} bytes" : "larger than allowed")}; at most {max:N0} bytes are allowed.");

    private static BadInputException Unsupported(string? contentType, bool imagesAllowed) =>
        new(StatusCodes.Status415UnsupportedMediaType, "body",
            $"Content-Type must be {(imagesAllowed ? ImageContentTypes : "application/json")}, got '{contentType}'.");
}
