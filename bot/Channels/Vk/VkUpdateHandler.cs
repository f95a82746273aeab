using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Contracts;
using SupportBot.Pipeline;

namespace SupportBot.Channels.Vk;

/// <summary>Redis keys of the VK channel (each used alone, so no hash tags are needed).</summary>
internal static class VkKeys
{
    /// <summary>Hash user id → why and when messages to them were refused (901/902/message_deny); cleared by message_allow.</summary>
    public static RedisKey MessagesRefused(string community) => $"vk:messages-refused:{community}";

    /// <summary>
    /// Hash of a comment thread: event id → the comment it brought (what the bot's answer to that
    /// event replies to), and <see cref="LatestComment"/> → the customer's latest (what an agent's answer replies to).
    /// </summary>
    public static RedisKey ReplyTo(string conversationId) => $"vk:reply-to:{conversationId}";

    public const string LatestComment = "latest";

    /// <summary>users.get answer for one user (name, photo_100).</summary>
    public static RedisKey User(long userId) => $"vk:user:{userId.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// The VK adapter both transports feed (Callback API and Bots Long Poll): reads the event, keeps
/// the side facts (may we message this user, which comment to answer, who the author is) and hands
/// the activity to the pipeline's ingress, which deduplicates by event_id and queues it in order.
/// </summary>
internal sealed class VkUpdateHandler(
    PipelineIngress ingress,
    Handoff.HandoffService handoff,
    VkApiClient api,
    IConnectionMultiplexer redis,
    CustomerReachability reachability,
    IOptions<VkOptions> options,
    TimeProvider time,
    ILogger<VkUpdateHandler> logger)
{
    /// <returns>The ingress result, or null when the event records nothing.</returns>
    public async Task<IngressResult?> HandleAsync(VkCommunityOptions community, JsonElement update, CancellationToken cancellationToken)
    {
        var inbound = VkNormalizer.Normalize(community, update);
        if (inbound is null)
        {
            VkLog.Ignored(logger, community.Name, VkNormalizer.Str(update, "type") ?? "?");
            return null;
        }

        var db = redis.GetDatabase();
        if (inbound is { Kind: ActivityKind.Button, Text: { } pressed })
        {
            // A long choice value travelled as a short reference; a press of an expired one says nothing (as on Telegram).
            if (await VkSender.PayloadRefs.FromButtonAsync(db, pressed) is not { } value)
            {
                VkLog.Ignored(logger, community.Name, inbound.Type);
                return null;
            }

            inbound = inbound with { Text = value };
        }

        if (inbound.TypingIn is { } typingIn)
        {
            // Shown to the agent holding the dialog, if any; never recorded.
            await handoff.NotifyCustomerTypingAsync(typingIn);
            return null;
        }

        if (inbound.MessagesAllowed is { } allowed)
        {
            await SetMessagesAllowedAsync(db, community.Name, inbound.AuthorId, allowed, inbound.Type);
        }

        if (inbound.ConversationId is not { } conversationId)
        {
            return null;
        }

        if (inbound.CommentId is { } commentId)
        {
            var key = VkKeys.ReplyTo(conversationId);
            await db.HashSetAsync(key, [new(inbound.EventId, commentId), new(VkKeys.LatestComment, commentId)]);
            await db.KeyExpireAsync(key, TimeSpan.FromDays(90));
        }

        var activity = new ChannelActivity
        {
            Channel = VkConversation.Channel,
            ConversationId = conversationId,
            EventId = inbound.EventId,
            From = await AuthorAsync(community, inbound.AuthorId, cancellationToken),
            Kind = inbound.Kind,
            Text = inbound.Text,
            Attachments = inbound.Attachments,
            SourceLink = inbound.SourceLink,
            ProductHint = inbound.ProductHint,
            Fields = inbound.Fields,
            Locale = inbound.Locale,
            ChannelAccount = community.Name,
            ReceivedAt = time.GetUtcNow(),
        };
        var result = await ingress.AcceptAsync(activity);
        VkLog.Accepted(logger, community.Name, inbound.Type, inbound.EventId, conversationId, !result.Accepted);

        if (result.Accepted && inbound.Button is { } press)
        {
            // Stops the spinner on the customer's button; must happen within a minute, and must not hold up VK's "ok".
            _ = Task.Run(async () =>
            {
                try
                {
                    await api.SendMessageEventAnswerAsync(community, press.EventId, press.UserId, press.PeerId, CancellationToken.None);
                }
                catch (Exception e)
                {
                    VkLog.EventAnswerFailed(logger, community.Name, e.Message);
                }
            }, CancellationToken.None);
        }

        return result;
    }

    /// <summary>Whether the community may write to the user, for the sender, and on the customer's card (blocked, or back to contacted).</summary>
    private async Task SetMessagesAllowedAsync(IDatabase db, string community, long userId, bool allowed, string why)
    {
        var key = VkKeys.MessagesRefused(community);
        var field = userId.ToString(CultureInfo.InvariantCulture);
        if (allowed)
        {
            // Every message_new says "allowed": only a change (or message_allow itself) touches the card.
            if (await db.HashDeleteAsync(key, field) || why == "message_allow")
            {
                VkLog.MessagesPermission(logger, community, userId, "allows");
                await reachability.SetAsync(VkConversation.Channel, field, acceptsMessages: true);
            }
        }
        else
        {
            await db.HashSetAsync(key, field, MessagesRefusal.Describe(why, time.GetUtcNow()));
            VkLog.MessagesPermission(logger, community, userId, "refuses");
            await reachability.SetAsync(VkConversation.Channel, field, acceptsMessages: false);
        }
    }

    /// <summary>The author with name, photo_100 and profile link, from users.get and cached; without a name when VK cannot tell.</summary>
    private async Task<ChannelUser> AuthorAsync(VkCommunityOptions community, long userId, CancellationToken cancellationToken)
    {
        var id = userId.ToString(CultureInfo.InvariantCulture);
        var profile = VkConversation.ProfileLink(userId);
        if (userId <= 0)
        {
            return new ChannelUser(id, null, null, profile);
        }

        var db = redis.GetDatabase();
        var cached = await db.StringGetAsync(VkKeys.User(userId));
        if (cached.HasValue && JsonNode.Parse((string)cached!) is JsonObject known)
        {
            return new ChannelUser(id, (string?)known["name"], (string?)known["photo"], profile);
        }

        // VK waits for our "ok": wait briefly for the name, else go on without it; the lookup still fills the cache for next time.
        var lookup = LookUpAsync(community, userId, id, profile);
        var first = await Task.WhenAny(lookup, Task.Delay(TimeSpan.FromMilliseconds(options.Value.AuthorWaitMilliseconds), cancellationToken));
        return first == lookup ? await lookup : new ChannelUser(id, null, null, profile);
    }

    private async Task<ChannelUser> LookUpAsync(VkCommunityOptions community, long userId, string id, string profile)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var users = await api.GetUsersAsync(community, [userId], timeout.Token);
            if (users.Count == 0)
            {
                return new ChannelUser(id, null, null, profile);
            }

            var u = users[0];
            var name = string.Join(' ', new[] { VkNormalizer.Str(u, "first_name"), VkNormalizer.Str(u, "last_name") }.Where(s => !string.IsNullOrEmpty(s)));
            var photo = VkNormalizer.Str(u, "photo_100");
            var hours = options.Value.UserCacheHours;
            if (hours > 0)
            {
                await redis.GetDatabase().StringSetAsync(VkKeys.User(userId), new JsonObject { ["name"] = name, ["photo"] = photo }.ToJsonString(), TimeSpan.FromHours(hours));
            }

            return new ChannelUser(id, name.Length > 0 ? name : null, photo, profile);
        }
        catch (Exception e) when (e is VkApiException or HttpRequestException or OperationCanceledException or JsonException or RedisException)
        {
            VkLog.UsersGetFailed(logger, community.Name, e.Message);
            return new ChannelUser(id, null, null, profile);
        }
    }
}

/// <summary>What we keep about a user who does not take messages from the community.</summary>
internal static class MessagesRefusal
{
    public const string Reason = "customer has not allowed messages";

    public static string Describe(string why, DateTimeOffset at) => $"{Reason} ({why}, {at.ToString("O", CultureInfo.InvariantCulture)})";
}
