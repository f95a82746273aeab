using SupportBot.Contracts;

namespace SupportBot.Dialogs.Tests.Infrastructure;

public static class TestActivities
{
    /// <summary>A customer's text message with a fresh event id, as a channel adapter would hand it over.</summary>
    public static ChannelActivity Message(string text, string conversationId = "c1") => new()
    {
        Channel = "test",
        ConversationId = conversationId,
        EventId = Guid.NewGuid().ToString("N"),
        From = new ChannelUser("u"),
        Text = text,
    };
}
