using System.Text.Json;
using System.Text.Json.Nodes;

namespace SupportBot.Api;

/// <summary>
/// Reads a JSON request body with our limits: too large → 413, not JSON → 415, malformed or too
/// deep → 400, each with a problem-details body. Never throws for bad input.
/// </summary>
internal static class JsonBody
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 32, CommentHandling = JsonCommentHandling.Disallow, AllowDuplicateProperties = false };

    public static async Task<(JsonObject? Body, IResult? Problem)> ReadObjectAsync(HttpRequest request, long maxBytes, bool optional = false)
    {
        if (optional && request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any())
        {
            return (null, null);
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, Problems.TooLarge(maxBytes));
        }

        if (!request.HasJsonContentType())
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json."));
        }

        var (bytes, problem) = await ReadBytesAsync(request, maxBytes);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (bytes!.Length == 0)
        {
            return optional ? (null, null) : (null, Problems.Create(StatusCodes.Status400BadRequest, "Empty body", "The request needs a JSON object body."));
        }

        return Parse(bytes);
    }

    /// <summary>A JSON object from bytes already read, or the 400 that says why not.</summary>
    public static (JsonObject? Body, IResult? Problem) Parse(byte[] bytes)
    {
        try
        {
            using (var document = JsonDocument.Parse(bytes, DocumentOptions))
            {
                if (!HasReadableText(document.RootElement))
                {
                    return (null, Problems.Create(StatusCodes.Status400BadRequest, "Malformed text", UnreadableText));
                }
            }

            var node = JsonNode.Parse(bytes, documentOptions: DocumentOptions);
            return node is JsonObject body
                ? (body, null)
                : (null, Problems.Create(StatusCodes.Status400BadRequest, "Malformed JSON", "The body must be a JSON object."));
        }
        catch (JsonException e)
        {
            return (null, Problems.Create(StatusCodes.Status400BadRequest, "Malformed JSON", $"The body is not valid JSON: {e.Message}"));
        }
    }

    /// <summary>
    /// The whole body, at most <paramref name="maxBytes"/> (413 past that, also for a chunked body that has no
    /// Content-Length to check up front), or the problem.
    /// </summary>
    public static async Task<(byte[]? Body, IResult? Problem)> ReadBytesAsync(HttpRequest request, long maxBytes)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, Problems.TooLarge(maxBytes));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return (null, Problems.TooLarge(maxBytes));
                }

                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException e)
        {
            return (null, Problems.Create(e.StatusCode, "Bad request", e.Message));
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>An optional string field: absent or null is null; any other type is a 400 naming it.</summary>
    public static bool TryString(JsonObject body, string field, out string? value, out IResult? problem)
    {
        value = null;
        problem = null;
        if (!body.TryGetPropertyValue(field, out var node) || node is null)
        {
            return true;
        }

        if (node is JsonValue json && json.GetValueKind() == JsonValueKind.String)
        {
            value = json.GetValue<string>();
            return true;
        }

        problem = Problems.BadRequest($"{field} is a string.");
        return false;
    }

    public const string UnreadableText = "The body has text that is not valid UTF-8, or a \\u escape that is not Unicode (a lone surrogate).";

    /// <summary>
    /// Reads every string and property name once. JSON parsers accept invalid UTF-8 inside strings and
    /// escapes of lone surrogates, and only fail when the text is read: here, not deep in a handler.
    /// </summary>
    public static bool HasReadableText(JsonElement element)
    {
        try
        {
            Read(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static void Read(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        Read(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Read(item);
                    }

                    break;
                case JsonValueKind.String:
                    _ = element.GetString();
                    break;
            }
        }
    }
}
