using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;
using SupportBot.Api;
using Telegram.Bot;
using Telegram.Bot.Exceptions;
using Telegram.Bot.Types;

namespace SupportBot.Channels.Telegram;

/// <summary>The webhook Telegram posts updates to, and the file proxy the console shows attachments through.</summary>
internal static class TelegramEndpoints
{
    public const string SecretHeader = "X-Telegram-Bot-Api-Secret-Token";

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>
    /// <c>POST /api/channels/telegram/{name}</c>: checks the secret in constant time, reads the
    /// update, hands it to the pipeline and answers 200 once it is stored (processing follows).
    /// </summary>
    public static async Task<IResult> Webhook(
        string name, HttpContext context, TelegramBots bots, TelegramUpdateHandler handler, IOptions<TelegramOptions> options, ILogger<TelegramUpdateHandler> logger)
    {
        if (bots.Find(name) is not { Mode: TelegramMode.Webhook } bot)
        {
            return Problems.NotFound($"No Telegram bot named '{name}' receives updates by webhook here.");
        }

        if (!SecretMatches(context.Request.Headers[SecretHeader].ToString(), bot.WebhookSecret!))
        {
            TelegramLog.WebhookRefused(logger, bot.Name, "wrong or missing secret token");
            return Problems.Forbidden($"The {SecretHeader} header is missing or wrong.");
        }

        var max = options.Value.MaxWebhookBodyBytes;
        if (context.Request.ContentLength > max)
        {
            return Problems.TooLarge(max);
        }

        using var body = new PooledBody((int)Math.Min(context.Request.ContentLength ?? 4096, max) + 1);
        try
        {
            await ReadLimitedAsync(context.Request.Body, body, max, context.RequestAborted);
        }
        catch (InvalidDataException)
        {
            return Problems.TooLarge(max);
        }

        Update? update;
        try
        {
            update = JsonSerializer.Deserialize<Update>(body.Buffer.AsSpan(0, body.Length), JsonBotAPI.Options);
        }
        catch (JsonException)
        {
            return Problems.BadRequest("The body is not a Telegram Update in JSON.");
        }

        if (update is null || update.Id <= 0)
        {
            return Problems.BadRequest("The body is not a Telegram Update (update_id is missing).");
        }

        if (TelegramAdapter.MissingPart(update) is { } missing)
        {
            return Problems.BadRequest($"The body is not a Telegram Update ({missing} is missing).");
        }

        await handler.HandleAsync(bot, update, context.RequestAborted);
        return TypedResults.Ok();
    }

    /// <summary>
    /// <c>GET /api/channels/telegram/{name}/files/{fileId}</c>: getFile, then streams the download.
    /// The Bot API's file URL contains the token, so it is fetched here and never handed out.
    /// </summary>
    public static async Task<IResult> File(string name, string fileId, HttpContext context, TelegramBots bots, ILogger<TelegramUpdateHandler> logger)
    {
        if (bots.Find(name) is not { } bot)
        {
            return Problems.NotFound($"No Telegram bot named '{name}'.");
        }

        var client = bots.Client(bot);
        TGFile file;
        try
        {
            file = await client.GetFile(fileId, context.RequestAborted);
        }
        catch (ApiRequestException e) when (e.ErrorCode == 400)
        {
            return Problems.NotFound("Telegram has no such file for this bot, or it is larger than the Bot API's 20 MB download limit.");
        }
        catch (Exception e) when (e is RequestException or HttpRequestException || (e is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            // The Bot API failed or did not answer: a gateway error the console can retry, not a 500.
            TelegramLog.FileFailed(logger, bot.Name, e.Message);
            return Problems.Create(StatusCodes.Status502BadGateway, "Bad gateway", "Telegram did not hand out the file just now; try again later.");
        }

        if (file.FilePath is not { Length: > 0 } path)
        {
            return Problems.NotFound("Telegram gave no download path for this file.");
        }

        if (!ContentTypes.TryGetContentType(path, out var contentType))
        {
            contentType = "application/octet-stream";
        }

        // A file id always names the same bytes: let the agent's browser keep avatars and photos for a day.
        context.Response.Headers.CacheControl = "private, max-age=86400";
        return Results.Stream(async output =>
        {
            await client.DownloadFile(path, output, context.RequestAborted);
        }, contentType, Path.GetFileName(path));
    }

    /// <summary>Compares SHA-256 digests, so neither the content nor the length of the secret leaks through timing.</summary>
    internal static bool SecretMatches(string presented, string expected) =>
        presented.Length > 0 && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    /// <summary>Reads the whole body into the pooled buffer (growing it from the pool as needed), at most <paramref name="max"/> bytes.</summary>
    private static async Task ReadLimitedAsync(Stream stream, PooledBody body, int max, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (body.Length == body.Buffer.Length)
            {
                body.Grow(Math.Min(body.Buffer.Length * 2, max + 1));
            }

            var read = await stream.ReadAsync(body.Buffer.AsMemory(body.Length), cancellationToken);
            if (read == 0)
            {
                return;
            }

            body.Length += read;
            if (body.Length > max)
            {
                throw new InvalidDataException("too large");
            }
        }
    }

    /// <summary>A request body in a buffer from the shared pool (a webhook per message: no 16 KB of garbage each).</summary>
    private sealed class PooledBody(int size) : IDisposable
    {
        public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(size);

        public int Length { get; set; }

        public void Grow(int size)
        {
            var larger = ArrayPool<byte>.Shared.Rent(size);
            Buffer.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = larger;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(Buffer);
    }
}
