using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SupportBot.Pipeline.Outbox;

namespace SupportBot.Channels.WebChat;

/// <summary>
/// "Sends" a reply to the website chat by appending a bot activity to the Direct Line transcript,
/// where the stream and polling clients pick it up. Idempotent by outbox item id.
/// </summary>
internal sealed class WebChatSender(DirectLineTranscript transcript, IOptions<WebChatOptions> options, TimeProvider time) : IChannelSender
{
    public async Task<ChannelSendResult> SendAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        var directLineId = DirectLineTranscript.DirectLineIdOf(item.ConversationId);
        var activity = new JsonObject
        {
            ["type"] = "message",
            ["timestamp"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
            ["channelId"] = DirectLineTranscript.ChannelName,
            ["conversation"] = new JsonObject { ["id"] = directLineId },
            ["from"] = new JsonObject
            {
                ["id"] = item.Author,
                ["name"] = item.Author == "bot" ? options.Value.BotName : item.AuthorName ?? item.Author,
                ["role"] = "bot",
            },
            ["text"] = item.Message.Text,
            ["textFormat"] = "plain",
        };
        if (item.Language is not null)
        {
            activity["locale"] = item.Language;
        }

        if (item.InReplyToEventId is { } replyTo && replyTo.StartsWith(directLineId + "|", StringComparison.Ordinal))
        {
            activity["replyToId"] = replyTo;
        }

        if (item.Message.Choices is { Count: > 0 } choices)
        {
            activity["suggestedActions"] = new JsonObject
            {
                ["actions"] = new JsonArray([.. choices.Select(c => (JsonNode)new JsonObject { ["type"] = "imBack", ["title"] = c.Title, ["value"] = c.Value })]),
            };
        }

        var (id, _) = await transcript.AppendAsync(directLineId, "outbox:" + item.Id, activity);
        return new ChannelSendResult(id);
    }
}
