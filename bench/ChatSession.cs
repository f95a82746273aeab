using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SupportBot.Benchmarks;

/// <summary>
/// One website visitor, speaking Direct Line 3.0 as Web Chat does: a visitor token, a started
/// conversation, the WebSocket stream, and messages posted over HTTP. Replies are matched to the
/// posted message by <c>replyToId</c> as they arrive on the stream.
/// </summary>
internal sealed class ChatSession : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly ClientWebSocket _socket;
    private readonly string _token;
    private readonly Dictionary<string, TaskCompletionSource<long>> _replies = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _greeted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly string _userId = "u" + Guid.NewGuid().ToString("N")[..12];
    private Task _reading = Task.CompletedTask;
    private Exception? _readerFailure;
    private int _posted;

    private ChatSession(HttpClient http, ClientWebSocket socket, string conversationId, string token)
    {
        _http = http;
        _socket = socket;
        ConversationId = conversationId;
        _token = token;
    }

    public string ConversationId { get; }

    /// <summary>Visitor token, conversation start (201), stream connected, greeting received.</summary>
    public static async Task<ChatSession> OpenAsync(HttpClient http, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var tokenResponse = await http.PostAsync("/api/webchat/token", null, cancellationToken);
        await EnsureStatusAsync(tokenResponse, HttpStatusCode.OK, "POST /api/webchat/token");
        var visitorToken = (await ReadJsonAsync(tokenResponse, cancellationToken))["token"]!.GetValue<string>();

        using var start = Request(HttpMethod.Post, "/v3/directline/conversations", visitorToken, """{"locale":"en-US"}""");
        using var started = await http.SendAsync(start, cancellationToken);
        await EnsureStatusAsync(started, HttpStatusCode.Created, "POST /v3/directline/conversations");
        var body = await ReadJsonAsync(started, cancellationToken);
        var conversationId = body["conversationId"]!.GetValue<string>();
        var token = body["token"]!.GetValue<string>();
        var streamUrl = new Uri(body["streamUrl"]!.GetValue<string>());

        var socket = new ClientWebSocket();
        try
        {
            await socket.ConnectAsync(streamUrl, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var session = new ChatSession(http, socket, conversationId, token);
        session._reading = Task.Run(session.ReadStreamAsync, CancellationToken.None);
        // A visitor reads the greeting before typing; waiting for it keeps the start turn out of the first message's time.
        try
        {
            await session._greeted.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (Exception e)
        {
            await session.DisposeAsync();
            throw e is TimeoutException
                ? new TimeoutException($"Conversation {conversationId}: no greeting on the stream within {timeout.TotalSeconds} s.")
                : e;
        }

        return session;
    }

    /// <summary>One turn: from starting the POST until the bot's reply to it is on the stream.</summary>
    /// <param name="startedAt">Where the latency counts from (a stopwatch timestamp; an open-loop load's scheduled time); default now.</param>
    /// <returns>The turn's latency in milliseconds.</returns>
    public async Task<double> TurnAsync(string text, TimeSpan timeout, CancellationToken cancellationToken, long? startedAt = null)
    {
        var clientId = ConversationId[..8] + "-" + Interlocked.Increment(ref _posted).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var activity = new JsonObject
        {
            ["type"] = "message",
            ["text"] = text,
            ["locale"] = "en-US",
            ["from"] = new JsonObject { ["id"] = _userId },
            ["channelData"] = new JsonObject { ["clientActivityID"] = clientId },
        }.ToJsonString();

        var started = startedAt ?? Stopwatch.GetTimestamp();
        using var post = Request(HttpMethod.Post, $"/v3/directline/conversations/{ConversationId}/activities", _token, activity);
        using var response = await _http.SendAsync(post, cancellationToken);
        await EnsureStatusAsync(response, HttpStatusCode.OK, "POST …/activities");
        var id = (await ReadJsonAsync(response, cancellationToken))["id"]!.GetValue<string>();

        var reply = ReplyTo(id);
        try
        {
            var arrived = await reply.Task.WaitAsync(timeout, cancellationToken);
            return Stopwatch.GetElapsedTime(started, arrived).TotalMilliseconds;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Conversation {ConversationId}: no reply to {id} within {timeout.TotalSeconds} s.");
        }
        finally
        {
            lock (_replies)
            {
                _replies.Remove(id);
            }
        }
    }

    /// <summary>The reply slot for a posted activity; the stream reader may fill it before the POST has even returned.</summary>
    private TaskCompletionSource<long> ReplyTo(string activityId)
    {
        lock (_replies)
        {
            if (_readerFailure is not null)
            {
                throw new InvalidOperationException($"The stream of {ConversationId} ended: {_readerFailure.Message}", _readerFailure);
            }

            if (!_replies.TryGetValue(activityId, out var slot))
            {
                slot = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                _replies[activityId] = slot;
            }

            return slot;
        }
    }

    private async Task ReadStreamAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.GetMemory(8 * 1024), _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    throw new WebSocketException("The server closed the stream.");
                }

                buffer.Advance(result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var arrived = Stopwatch.GetTimestamp();
                if (buffer.WrittenCount > 0) // an empty frame is a keep-alive
                {
                    OnActivitySet(buffer.WrittenSpan, arrived);
                }

                buffer.Clear();
            }
        }
        catch (Exception e) when (e is OperationCanceledException && _stop.IsCancellationRequested)
        {
            Fail(new ObjectDisposedException(nameof(ChatSession)));
        }
        catch (Exception e)
        {
            Fail(e);
        }
    }

    private void OnActivitySet(ReadOnlySpan<byte> json, long arrived)
    {
        var reader = new Utf8JsonReader(json);
        using var set = JsonDocument.ParseValue(ref reader);
        foreach (var activity in set.RootElement.GetProperty("activities").EnumerateArray())
        {
            if (!activity.TryGetProperty("from", out var from) || !from.TryGetProperty("role", out var role) || !role.ValueEquals("bot"))
            {
                continue;
            }

            if (activity.TryGetProperty("replyToId", out var replyTo) && replyTo.GetString() is { } replyToId)
            {
                // The first reply counts; a second message answering the same activity finds the slot done.
                ReplyTo(replyToId).TrySetResult(arrived);
            }
            else
            {
                _greeted.TrySetResult();
            }
        }
    }

    private void Fail(Exception e)
    {
        lock (_replies)
        {
            _readerFailure = e;
            foreach (var slot in _replies.Values)
            {
                slot.TrySetException(e);
            }
        }

        _greeted.TrySetException(e);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }

        await _stop.CancelAsync();
        await _reading;
        _socket.Dispose();
        _stop.Dispose();
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string bearer, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();

    private static async Task EnsureStatusAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        if (response.StatusCode != expected)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new HttpRequestException($"{what} answered {(int)response.StatusCode} (expected {(int)expected}): {body}");
        }
    }
}
