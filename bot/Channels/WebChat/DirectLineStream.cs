using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using SupportBot.Api;
using SupportBot.Handoff;
using SupportBot.Pipeline;
using StackExchange.Redis;

namespace SupportBot.Channels.WebChat;

/// <summary>
/// The Direct Line WebSocket: pushes every activity of the conversation as an ActivitySet, from
/// the watermark on, as soon as any instance appends it (Redis pub/sub wakes the reader).
/// </summary>
internal static class DirectLineStream
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(20);

    public static async Task<IResult> Accept(
        string conversationId, string? t, string? watermark, HttpContext context,
        DirectLineTokens tokens, DirectLineTranscript transcript, IConnectionMultiplexer redis, TimeProvider time, IHostApplicationLifetime lifetime)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problems.BadRequest("This is the WebSocket stream; connect with a WebSocket client.");
        }

        if (string.IsNullOrEmpty(t))
        {
            return Problems.Unauthorized("The stream URL carries its token in 't'.");
        }

        var (caller, problem) = await DirectLineCaller.FromCredentialAsync(t, tokens);
        if (problem is not null)
        {
            return problem;
        }

        if (caller!.Token is { } token && token.ConversationId != conversationId)
        {
            return Problems.Forbidden("This token belongs to another conversation.");
        }

        if (!DirectLineTranscript.IsWellFormedId(conversationId) || !await transcript.ExistsAsync(conversationId))
        {
            return Problems.NotFound($"Conversation '{conversationId}' does not exist.");
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        using var closed = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var signal = new WakeSignal();
        var channel = RedisKeys.DirectLineNotify(DirectLineTranscript.ConversationIdOf(conversationId));
        string? typingName = null; // a person of the team writing: sent as a typing activity at the next wake
        Action<RedisChannel, RedisValue> onAppend = (_, message) =>
        {
            if (message.StartsWith(WebChatTyping.Prefix))
            {
                Volatile.Write(ref typingName, ((string)message!)[WebChatTyping.Prefix.Length..]);
            }

            signal.Pulse();
        };
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(channel, onAppend);
        var reading = DrainClientAsync(socket, closed);
        try
        {
            var cursor = DirectLineApi.ParseWatermark(watermark) ?? 0;
            while (!closed.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var pulse = signal.NextPulse;
                var (set, count, next) = await transcript.ReadSetAsync(conversationId, cursor);
                if (count > 0)
                {
                    await socket.SendAsync(set, WebSocketMessageType.Text, true, closed.Token);
                    cursor = next;
                    if (count == DirectLineTranscript.MaxActivitiesPerRead)
                    {
                        continue; // a long backlog: read on without waiting
                    }
                }

                if (Interlocked.Exchange(ref typingName, null) is { } name)
                {
                    await socket.SendAsync(TypingSet(conversationId, name, time.GetUtcNow()), WebSocketMessageType.Text, true, closed.Token);
                }

                // Anything appended (or typed) after the reads above has pulsed already, so waiting here misses nothing.
                await WakeSignal.WaitAsync(pulse, KeepAlive, time, closed.Token);
                if (!pulse.IsCompleted)
                {
                    await socket.SendAsync(Array.Empty<byte>(), WebSocketMessageType.Text, true, closed.Token); // keep-alive
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went away or the host is stopping; the client reconnects with its watermark.
        }
        finally
        {
            await subscriber.UnsubscribeAsync(channel, onAppend);
            if (socket.State == WebSocketState.Open)
            {
                var status = lifetime.ApplicationStopping.IsCancellationRequested ? WebSocketCloseStatus.EndpointUnavailable : WebSocketCloseStatus.NormalClosure;
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(status, null, closeTimeout.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }

            await reading;
        }

        return Results.Empty;
    }

    /// <summary>An ActivitySet of one <c>typing</c> activity from the agent, without a watermark: it is not in the transcript.</summary>
    private static byte[] TypingSet(string directLineId, string agentName, DateTimeOffset now) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["activities"] = new JsonArray(new JsonObject
        {
            ["type"] = "typing",
            // An id and a time, as every Direct Line activity has; the id is outside the transcript's numbering (no watermark moves).
            ["id"] = directLineId + "|typing-" + Guid.NewGuid().ToString("N")[..8],
            ["timestamp"] = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["channelId"] = DirectLineTranscript.ChannelName,
            ["conversation"] = new JsonObject { ["id"] = directLineId },
            ["from"] = new JsonObject { ["id"] = "agent", ["name"] = agentName.Length > 0 ? agentName : null, ["role"] = "bot" },
        }),
    }.ToJsonString());

    /// <summary>Clients only send empty pings; read them so close frames are seen, and stop the stream when the client leaves.</summary>
    private static async Task DrainClientAsync(WebSocket socket, CancellationTokenSource closed)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, closed.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            await closed.CancelAsync();
        }
    }
}
