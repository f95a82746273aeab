using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SupportBot.FunctionalTests.Channels.Telegram;

/// <param name="Token">The token from the URL path (<c>/bot{token}/{method}</c>).</param>
public sealed record TelegramApiCall(string Token, string Method, JsonObject Body, DateTimeOffset At);

/// <summary>
/// A local stand-in for the Telegram Bot API on a loopback port: answers like the documentation's
/// examples (<c>{"ok":true,"result":…}</c> / <c>{"ok":false,"error_code":…,"description":…,"parameters":…}</c>),
/// records every call, serves getUpdates from a queue and files from memory. Rules make it fail on purpose.
/// </summary>
public sealed class TelegramApiStandIn : IAsyncDisposable
{
    public const string BotUsername = "northwind_test_bot";

    private readonly ConcurrentQueue<TelegramApiCall> _calls = new();
    private readonly List<JsonObject> _updates = [];
    private readonly ConcurrentDictionary<string, (string Path, byte[] Content)> _files = new();
    private readonly List<Rule> _rules = [];
    private readonly ConcurrentDictionary<long, bool> _withoutPhoto = new();
    private readonly ConcurrentDictionary<long, TimeSpan> _slowPhoto = new();
    private readonly ConcurrentDictionary<long, bool> _unreadablePhoto = new();
    private readonly SemaphoreSlim _updatesArrived = new(0);
    private int _messageId = 1000;
    private WebApplication? _app;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Every file download request's path (they carry the token: only the host may make them).</summary>
    public ConcurrentQueue<string> Downloads { get; } = new();

    public IReadOnlyList<TelegramApiCall> Calls => [.. _calls];

    /// <summary>Drops the calls recorded so far (a long run keeps the test process's memory flat).</summary>
    public void ForgetCalls() => _calls.Clear();

    /// <summary>Raised for every call as it arrives (after it is recorded), for drivers that wait on replies as they come.</summary>
    public event Action<TelegramApiCall>? CallReceived;

    /// <summary>False: calls are only raised, not kept (a long benchmark would otherwise hold every one).</summary>
    public bool KeepCalls { get; init; } = true;

    public IEnumerable<TelegramApiCall> CallsOf(string method) => _calls.Where(c => string.Equals(c.Method, method, StringComparison.OrdinalIgnoreCase));

    public IEnumerable<TelegramApiCall> MessagesTo(long chatId) =>
        CallsOf("sendMessage").Where(c => c.Body["chat_id"]?.GetValue<long>() == chatId);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/bot{token}/{method}", HandleAsync);
        _app.MapGet("/file/bot{token}/{**path}", (string token, string path, HttpContext context) =>
        {
            Downloads.Enqueue(context.Request.Path);
            var file = _files.Values.FirstOrDefault(f => f.Path == path);
            return file.Content is null ? Results.NotFound() : Results.Bytes(file.Content, "application/octet-stream");
        });
        await _app.StartAsync();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    /// <summary>An update for getUpdates (polling bots).</summary>
    public void EnqueueUpdate(JsonObject update)
    {
        lock (_updates)
        {
            _updates.Add(update);
        }

        _updatesArrived.Release();
    }

    public void AddFile(string fileId, string path, byte[] content) => _files[fileId] = (path, content);

    /// <summary>Every user has one profile photo unless hidden here (no photo, or hidden from bots by their privacy settings).</summary>
    public void HideProfilePhoto(long userId) => _withoutPhoto[userId] = true;

    /// <summary>getUserProfilePhotos for this user answers only after <paramref name="delay"/>.</summary>
    public void SlowProfilePhoto(long userId, TimeSpan delay) => _slowPhoto[userId] = delay;

    /// <summary>getUserProfilePhotos for this user answers "ok" with a result that is not UserProfilePhotos.</summary>
    public void UnreadableProfilePhoto(long userId) => _unreadablePhoto[userId] = true;

    /// <summary>The file id of a user's profile photo in the size an avatar needs (160 × 160).</summary>
    public static string ProfilePhotoFileId(long userId) => $"AgACAgIAAxUAAWavatar{userId}_160";

    /// <summary>The bytes behind <see cref="ProfilePhotoFileId"/>.</summary>
    public static byte[] ProfilePhotoContent(long userId) => System.Text.Encoding.ASCII.GetBytes("\xFF\xD8\xFF avatar of " + userId);

    /// <summary>The next <paramref name="times"/> calls of <paramref name="method"/> that match fail with this error.</summary>
    public void FailNext(string method, Func<JsonObject, bool> when, int errorCode, string description, int? retryAfter = null, int times = 1, long? migrateToChatId = null)
    {
        lock (_rules)
        {
            _rules.Add(new Rule(method, when, errorCode, description, retryAfter, times, migrateToChatId));
        }
    }

    private async Task<IResult> HandleAsync(string token, string method, HttpContext context)
    {
        JsonObject body;
        using (var reader = new StreamReader(context.Request.Body))
        {
            var text = await reader.ReadToEndAsync();
            body = text.Length == 0 ? [] : JsonNode.Parse(text) as JsonObject ?? [];
        }

        var call = new TelegramApiCall(token, method, body, DateTimeOffset.UtcNow);
        if (KeepCalls)
        {
            _calls.Enqueue(call);
        }

        CallReceived?.Invoke(call);
        Rule? failing = null;
        lock (_rules)
        {
            failing = _rules.FirstOrDefault(r => string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase) && r.Times > 0 && r.When(body));
            if (failing is not null)
            {
                failing.Times--;
            }
        }

        if (failing is not null)
        {
            var error = new JsonObject { ["ok"] = false, ["error_code"] = failing.ErrorCode, ["description"] = failing.Description };
            if (failing.RetryAfter is { } retryAfter)
            {
                error["parameters"] = new JsonObject { ["retry_after"] = retryAfter };
            }

            if (failing.MigrateToChatId is { } migrated)
            {
                error["parameters"] = new JsonObject { ["migrate_to_chat_id"] = migrated };
            }

            return Results.Json(error, statusCode: failing.ErrorCode);
        }

        return method.ToLowerInvariant() switch
        {
            "getme" => Ok(BotUser(token)),
            "setwebhook" or "deletewebhook" or "answercallbackquery" or "sendchataction" => Ok(true),
            "sendmessage" => Ok(SentMessage(token, body)),
            "getfile" => GetFile(body),
            "getuserprofilephotos" => await ProfilePhotosAsync(body, context.RequestAborted),
            "getupdates" => Ok(await GetUpdatesAsync(body, context.RequestAborted)),
            _ => Results.Json(new JsonObject { ["ok"] = false, ["error_code"] = 404, ["description"] = "Not Found: method not found" }, statusCode: 404),
        };
    }

    private async Task<JsonArray> GetUpdatesAsync(JsonObject body, CancellationToken aborted)
    {
        var offset = body["offset"]?.GetValue<int>() ?? 0;
        var timeout = Math.Min(body["timeout"]?.GetValue<int>() ?? 0, 1);
        var deadline = DateTime.UtcNow.AddSeconds(timeout);
        while (true)
        {
            lock (_updates)
            {
                _updates.RemoveAll(u => u["update_id"]!.GetValue<int>() < offset); // confirmed by the offset
                if (_updates.Count > 0 || DateTime.UtcNow >= deadline)
                {
                    return new JsonArray([.. _updates.Select(u => u.DeepClone())]);
                }
            }

            try
            {
                await _updatesArrived.WaitAsync(TimeSpan.FromMilliseconds(100), aborted);
            }
            catch (OperationCanceledException)
            {
                return [];
            }
        }
    }

    private IResult GetFile(JsonObject body)
    {
        var fileId = body["file_id"]?.GetValue<string>() ?? "";
        if (!_files.TryGetValue(fileId, out var file))
        {
            return Results.Json(new JsonObject { ["ok"] = false, ["error_code"] = 400, ["description"] = "Bad Request: invalid file_id" }, statusCode: 400);
        }

        return Ok(new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = "u" + fileId, ["file_size"] = file.Content.Length, ["file_path"] = file.Path });
    }

    private async Task<IResult> ProfilePhotosAsync(JsonObject body, CancellationToken aborted)
    {
        var userId = body["user_id"]!.GetValue<long>();
        if (_slowPhoto.TryGetValue(userId, out var delay))
        {
            await Task.Delay(delay, aborted);
        }

        return _unreadablePhoto.ContainsKey(userId)
            ? Ok(new JsonObject { ["total_count"] = "many", ["photos"] = "none" })
            : Ok(ProfilePhotos(body));
    }

    /// <summary>UserProfilePhotos as the Bot API documents it: total_count and photos, each an array of PhotoSize from small to large.</summary>
    private JsonObject ProfilePhotos(JsonObject body)
    {
        var userId = body["user_id"]!.GetValue<long>();
        if (_withoutPhoto.ContainsKey(userId))
        {
            return new JsonObject { ["total_count"] = 0, ["photos"] = new JsonArray() };
        }

        JsonObject Size(string fileId, int side, byte[] content)
        {
            _files[fileId] = ($"profile_photos/{fileId}.jpg", content);
            return new JsonObject { ["file_id"] = fileId, ["file_unique_id"] = "AQAD" + fileId[^12..], ["file_size"] = content.Length, ["width"] = side, ["height"] = side };
        }

        return new JsonObject
        {
            ["total_count"] = 1,
            ["photos"] = new JsonArray(new JsonArray(
                Size($"AgACAgIAAxUAAWavatar{userId}_64", 64, [0xFF, 0xD8, 0x01]),
                Size(ProfilePhotoFileId(userId), 160, ProfilePhotoContent(userId)),
                Size($"AgACAgIAAxUAAWavatar{userId}_640", 640, [0xFF, 0xD8, 0x02]))),
        };
    }

    private JsonObject SentMessage(string token, JsonObject body)
    {
        var chatId = body["chat_id"]!.GetValue<long>();
        var message = new JsonObject
        {
            ["message_id"] = Interlocked.Increment(ref _messageId),
            ["from"] = BotUser(token),
            ["chat"] = chatId < 0
                ? new JsonObject { ["id"] = chatId, ["title"] = "Northwind fans", ["username"] = "northwind_fans", ["type"] = "supergroup" }
                : new JsonObject { ["id"] = chatId, ["first_name"] = "Test", ["type"] = "private" },
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = body["text"]?.GetValue<string>(),
        };
        if (body["reply_markup"] is { } markup)
        {
            message["reply_markup"] = markup.DeepClone();
        }

        return message;
    }

    private static JsonObject BotUser(string token) => new()
    {
        ["id"] = long.Parse(token.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture),
        ["is_bot"] = true,
        ["first_name"] = "Northwind",
        ["username"] = BotUsername,
    };

    private static IResult Ok(JsonNode result) =>
        Results.Text(new JsonObject { ["ok"] = true, ["result"] = result }.ToJsonString(), "application/json", statusCode: (int)HttpStatusCode.OK);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private sealed class Rule(string method, Func<JsonObject, bool> when, int errorCode, string description, int? retryAfter, int times, long? migrateToChatId)
    {
        public long? MigrateToChatId { get; } = migrateToChatId;

        public string Method { get; } = method;

        public Func<JsonObject, bool> When { get; } = when;

        public int ErrorCode { get; } = errorCode;

        public string Description { get; } = description;

        public int? RetryAfter { get; } = retryAfter;

        public int Times { get; set; } = times;
    }
}
