using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SupportBot.Api;
using SupportBot.Contracts;
using SupportBot.Pipeline;
using SupportBot.Security;

namespace SupportBot.Channels.WebChat;

/// <summary>
/// Direct Line 3.0 as Microsoft's Web Chat and DirectLineJS use it: tokens, conversations,
/// posting and reading activities, and the WebSocket stream. Every posted activity is echoed
/// into the transcript (with its clientActivityID) before it enters the pipeline.
/// </summary>
public static class DirectLineApi
{
    private const int MaxTextLength = 10_000;

    public static RouteGroupBuilder MapDirectLine(this IEndpointRouteBuilder app)
    {
        // Its POSTs are limited per client address and, for activities, per conversation (RateLimits:*).
        var group = app.MapGroup("/v3/directline").RequireCors(WebChatChannel.CorsPolicy).LimitedAs(Ingress.DirectLine);
        group.MapPost("/tokens/generate", GenerateToken);
        group.MapPost("/tokens/refresh", RefreshToken);
        group.MapPost("/conversations", StartConversation);
        group.MapGet("/conversations/{conversationId}", Reconnect);
        group.MapPost("/conversations/{conversationId}/activities", PostActivity);
        group.MapGet("/conversations/{conversationId}/activities", GetActivities);
        group.MapGet("/conversations/{conversationId}/stream", DirectLineStream.Accept);
        return group;
    }

    /// <summary><c>POST /api/webchat/token</c>: a conversation token for an anonymous site visitor.</summary>
    internal static async Task<IResult> VisitorToken(DirectLineTokens tokens)
    {
        var token = await tokens.IssueAsync(DirectLineTranscript.NewDirectLineId(), NewUserId());
        return TypedResults.Ok(TokenBody(token));
    }

    private static async Task<IResult> GenerateToken(HttpRequest request, DirectLineTokens tokens, IOptions<ApiOptions> api)
    {
        var (caller, problem) = await DirectLineCaller.AuthenticateAsync(request, tokens);
        if (problem is not null)
        {
            return problem;
        }

        if (!caller!.IsSecret)
        {
            return Problems.Forbidden("tokens/generate needs the Direct Line secret, not a token.");
        }

        var (body, bodyProblem) = await JsonBody.ReadObjectAsync(request, api.Value.MaxRequestBodyBytes, optional: true);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        var userId = UserIdFrom(body) ?? NewUserId();
        var token = await tokens.IssueAsync(DirectLineTranscript.NewDirectLineId(), userId);
        return TypedResults.Ok(TokenBody(token));
    }

    private static async Task<IResult> RefreshToken(HttpRequest request, DirectLineTokens tokens)
    {
        var (caller, problem) = await DirectLineCaller.AuthenticateAsync(request, tokens);
        if (problem is not null)
        {
            return problem;
        }

        if (caller!.Token is not { } current)
        {
            return Problems.Forbidden("tokens/refresh needs a token, not the secret.");
        }

        return TypedResults.Ok(TokenBody(await tokens.IssueAsync(current.ConversationId, current.UserId)));
    }

    private static async Task<IResult> StartConversation(
        HttpRequest request, DirectLineTokens tokens, DirectLineTranscript transcript, PipelineIngress ingress, IOptions<ApiOptions> api, IOptions<WebChatOptions> options)
    {
        var (caller, problem) = await DirectLineCaller.AuthenticateAsync(request, tokens);
        if (problem is not null)
        {
            return problem;
        }

        var (body, bodyProblem) = await JsonBody.ReadObjectAsync(request, api.Value.MaxRequestBodyBytes, optional: true);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        var token = caller!.Token ?? await tokens.IssueAsync(DirectLineTranscript.NewDirectLineId(), UserIdFrom(body) ?? NewUserId());
        var locale = body?["locale"] is JsonValue localeValue && localeValue.TryGetValue<string>(out var l) ? l : null;
        var created = await transcript.CreateAsync(token.ConversationId, token.UserId, locale);
        // Lets the bot greet before the visitor types anything. Also when the conversation was there already: a start
        // that failed after creating it (a crash, Redis away) and is retried must still greet; "start" is deduplicated.
        await ingress.AcceptAsync(new ChannelActivity
        {
            Channel = DirectLineTranscript.ChannelName,
            ConversationId = DirectLineTranscript.ConversationIdOf(token.ConversationId),
            EventId = "start",
            From = new ChannelUser(token.UserId),
            Kind = ActivityKind.ConversationStart,
            Locale = locale,
            ChannelAccount = DirectLineTranscript.ChannelName,
        });

        var fresh = caller.Token is null ? token : await tokens.IssueAsync(token.ConversationId, token.UserId);
        var reply = ConversationBody(fresh, StreamUrl(request, options.Value, fresh, watermark: null));
        return created ? TypedResults.Created((string?)null, reply) : TypedResults.Ok(reply);
    }

    private static async Task<IResult> Reconnect(
        string conversationId, string? watermark, HttpRequest request, DirectLineTokens tokens, DirectLineTranscript transcript, IOptions<WebChatOptions> options)
    {
        var (caller, problem) = await AuthorizeConversationAsync(conversationId, request, tokens, transcript);
        if (problem is not null)
        {
            return problem;
        }

        var token = await tokens.IssueAsync(conversationId, caller!.Token?.UserId ?? NewUserId());
        return TypedResults.Ok(ConversationBody(token, StreamUrl(request, options.Value, token, ParseWatermark(watermark))));
    }

    private static async Task<IResult> PostActivity(
        string conversationId, HttpRequest request, DirectLineTokens tokens, DirectLineTranscript transcript, PipelineIngress ingress,
        IOptions<ApiOptions> api, TimeProvider time, SupportBot.Handoff.HandoffService handoff)
    {
        var (caller, problem) = await AuthorizeConversationAsync(conversationId, request, tokens, transcript);
        if (problem is not null)
        {
            return problem;
        }

        var (activity, bodyProblem) = await JsonBody.ReadObjectAsync(request, api.Value.MaxRequestBodyBytes);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        var posted = PostedActivity.Read(activity!);
        if (posted.Error is not null)
        {
            return Problems.BadRequest(posted.Error);
        }

        if (posted.Type == "typing")
        {
            // Not kept: shown to the agent holding the chat, if any.
            await handoff.NotifyCustomerTypingAsync(DirectLineTranscript.ConversationIdOf(conversationId));
            return TypedResults.Ok(new { id = "" });
        }

        if (posted.Text?.Length > MaxTextLength)
        {
            return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Text too long", $"A message may have at most {MaxTextLength} characters.");
        }

        // The sender is who the token says, whatever the body claims.
        var userId = caller!.Token?.UserId ?? posted.FromId ?? NewUserId();
        var now = time.GetUtcNow();
        activity!.Remove("id");
        activity["timestamp"] = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        activity["channelId"] = DirectLineTranscript.ChannelName;
        activity["conversation"] = new JsonObject { ["id"] = conversationId };
        activity["from"] = new JsonObject { ["id"] = userId, ["name"] = posted.FromName, ["role"] = "user" };
        activity["recipient"] = new JsonObject { ["id"] = "bot", ["role"] = "bot" };

        // A retry of the same post (same clientActivityID) returns the first id and is not processed again.
        var dedupeKey = posted.ClientActivityId is { Length: > 0 } clientId ? "client:" + clientId : "server:" + Guid.NewGuid().ToString("N");
        var (id, _) = await transcript.AppendAsync(conversationId, dedupeKey, activity);
        if (posted.Type == "message")
        {
            await ingress.AcceptAsync(new ChannelActivity
            {
                Channel = DirectLineTranscript.ChannelName,
                ConversationId = DirectLineTranscript.ConversationIdOf(conversationId),
                EventId = id,
                From = new ChannelUser(userId, posted.FromName),
                Kind = posted.IsButton ? ActivityKind.Button : ActivityKind.Message,
                Text = posted.Text,
                Attachments = posted.Attachments,
                Locale = posted.Locale,
                ChannelAccount = DirectLineTranscript.ChannelName,
                SourceLink = posted.PageUrl,
                ReceivedAt = now,
            });
        }

        return TypedResults.Ok(new { id });
    }

    private static async Task<IResult> GetActivities(
        string conversationId, string? watermark, HttpRequest request, DirectLineTokens tokens, DirectLineTranscript transcript)
    {
        var (_, problem) = await AuthorizeConversationAsync(conversationId, request, tokens, transcript);
        if (problem is not null)
        {
            return problem;
        }

        var (set, _, _) = await transcript.ReadSetAsync(conversationId, ParseWatermark(watermark) ?? 0);
        return TypedResults.Bytes(set, "application/json; charset=utf-8");
    }

    /// <summary>Authenticates the caller and checks the conversation: a token opens only its own, and it must exist.</summary>
    internal static async Task<(DirectLineCaller? Caller, IResult? Problem)> AuthorizeConversationAsync(
        string conversationId, HttpRequest request, DirectLineTokens tokens, DirectLineTranscript transcript)
    {
        var (caller, problem) = await DirectLineCaller.AuthenticateAsync(request, tokens);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (caller!.Token is { } token && token.ConversationId != conversationId)
        {
            return (null, Problems.Forbidden("This token belongs to another conversation."));
        }

        if (!DirectLineTranscript.IsWellFormedId(conversationId) || !await transcript.ExistsAsync(conversationId))
        {
            return (null, Problems.NotFound($"Conversation '{conversationId}' does not exist; start one with POST /v3/directline/conversations."));
        }

        return (caller, null);
    }

    internal static long? ParseWatermark(string? watermark) =>
        long.TryParse(watermark, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private static string NewUserId() => VisitorIdPrefix + Guid.NewGuid().ToString("N")[..VisitorIdHexLength];

    /// <summary>A visitor id we made up ("u_" and 16 hex digits): the visitor is anonymous, not a user of the embedding site.</summary>
    public static bool IsAnonymousVisitor(string? userId) =>
        userId is { Length: 2 + VisitorIdHexLength } && userId.StartsWith(VisitorIdPrefix, StringComparison.Ordinal) && !userId.AsSpan(2).ContainsAnyExcept(HexDigits);

    private const string VisitorIdPrefix = "u_";
    private const int VisitorIdHexLength = 16;
    private static readonly System.Buffers.SearchValues<char> HexDigits = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static string? UserIdFrom(JsonObject? body) =>
        body?["user"] is JsonObject user && user["id"] is JsonValue id && id.TryGetValue<string>(out var value) && value.Length is > 0 and <= 128 && !value.StartsWith("dl_", StringComparison.Ordinal)
            ? value
            : null;

    private static object TokenBody(DirectLineToken token) =>
        new { conversationId = token.ConversationId, token = token.Token, expires_in = token.ExpiresInSeconds };

    private static object ConversationBody(DirectLineToken token, string streamUrl) =>
        new { conversationId = token.ConversationId, token = token.Token, expires_in = token.ExpiresInSeconds, streamUrl };

    private static string StreamUrl(HttpRequest request, WebChatOptions options, DirectLineToken token, long? watermark)
    {
        var baseUrl = string.IsNullOrEmpty(options.PublicBaseUrl)
            ? $"{request.Scheme}://{request.Host}{request.PathBase}"
            : options.PublicBaseUrl.TrimEnd('/');
        var wsBase = baseUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "wss://" + baseUrl[8..]
            : baseUrl.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "ws://" + baseUrl[7..]
            : baseUrl;
        var url = $"{wsBase}/v3/directline/conversations/{token.ConversationId}/stream?t={Uri.EscapeDataString(token.Token)}";
        return watermark is null ? url : url + "&watermark=" + watermark.Value.ToString(CultureInfo.InvariantCulture);
    }
}
