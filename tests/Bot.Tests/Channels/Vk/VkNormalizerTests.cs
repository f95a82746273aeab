using System.Text.Json;
using SupportBot.Channels.Vk;
using SupportBot.Contracts;

namespace SupportBot.Tests.Channels.Vk;

/// <summary>VK events (v=5.199, shaped like the Callback API documentation's examples) to activities.</summary>
public sealed class VkNormalizerTests
{
    private static readonly VkCommunityOptions Shop = new() { Name = "shop", GroupId = 1001, Token = "t" };

    private static VkInbound? Normalize(string type, string @object, string? eventId = "e1") =>
        VkNormalizer.Normalize(Shop, JsonDocument.Parse($$"""{"type":"{{type}}",{{(eventId is null ? "" : $"\"event_id\":\"{eventId}\",")}}"v":"5.199","object":{{@object}},"group_id":1001}""").RootElement);

    [Fact]
    public void Normalize_MessageNew_MessageInThePeersConversationWithLocaleAndInboxLink()
    {
        var inbound = Normalize("message_new", """{"message":{"date":1,"from_id":5,"id":0,"out":0,"peer_id":5,"text":"hi","conversation_message_id":3,"attachments":[]},"client_info":{"lang_id":0}}""");

        Assert.NotNull(inbound);
        Assert.Equal("vk:shop:5", inbound.ConversationId);
        Assert.Equal(ActivityKind.Message, inbound.Kind);
        Assert.Equal("hi", inbound.Text);
        Assert.Equal("ru-RU", inbound.Locale);
        Assert.Equal("https://vk.com/gim1001?sel=5", inbound.SourceLink);
        Assert.Equal("e1", inbound.EventId);
        Assert.True(inbound.MessagesAllowed);
    }

    [Theory]
    [InlineData("""{"user_id":5,"peer_id":5,"event_id":"x1","payload":{"value":"yes"}}""")]
    [InlineData("""{"user_id":5,"peer_id":5,"event_id":"x1","payload":"{\"value\":\"yes\"}"}""")]
    public void Normalize_MessageEvent_PayloadAsObjectOrString_ButtonWithItsValue(string @object)
    {
        var inbound = Normalize("message_event", @object);

        Assert.Equal(ActivityKind.Button, inbound!.Kind);
        Assert.Equal("yes", inbound.Text);
        Assert.Equal(new VkButtonPress("x1", 5, 5), inbound.Button);
    }

    [Fact]
    public void Normalize_TextButtonPressed_ButtonWithThePayloadValue()
    {
        var inbound = Normalize("message_new", """{"message":{"from_id":5,"peer_id":5,"text":"Delivery","payload":"{\"value\":\"delivery\"}"}}""");

        Assert.Equal(ActivityKind.Button, inbound!.Kind);
        Assert.Equal("delivery", inbound.Text);
    }

    [Theory]
    [InlineData("wall_reply_new", """{"id":7,"from_id":5,"text":"q","post_owner_id":-1001,"post_id":42}""", "vk:shop:wall-1001_42:5", "https://vk.com/wall-1001_42?reply=7")]
    [InlineData("photo_comment_new", """{"id":7,"from_id":5,"text":"q","photo_owner_id":-1001,"photo_id":9}""", "vk:shop:photo-1001_9:5", "https://vk.com/photo-1001_9")]
    [InlineData("video_comment_new", """{"id":7,"from_id":5,"text":"q","video_owner_id":-1001,"video_id":9}""", "vk:shop:video-1001_9:5", "https://vk.com/video-1001_9")]
    [InlineData("board_post_new", """{"id":7,"from_id":5,"text":"q","topic_owner_id":-1001,"topic_id":3}""", "vk:shop:board-1001_3:5", "https://vk.com/topic-1001_3?post=7")]
    [InlineData("market_comment_new", """{"id":7,"from_id":5,"text":"q","market_owner_id":-1001,"item_id":8}""", "vk:shop:market-1001_8:5", "https://vk.com/product-1001_8")]
    public void Normalize_Comments_ThreadConversationWithLinkAndCommentId(string type, string @object, string conversation, string link)
    {
        var inbound = Normalize(type, @object);

        Assert.Equal(ActivityKind.Comment, inbound!.Kind);
        Assert.Equal(conversation, inbound.ConversationId);
        Assert.Equal(link, inbound.SourceLink);
        Assert.Equal(7, inbound.CommentId);
        Assert.Equal(type == "market_comment_new" ? "market-1001_8" : null, inbound.ProductHint);
        Assert.NotNull(VkConversation.Parse(conversation));
    }

    [Theory]
    [InlineData("wall_reply_new", """{"id":7,"from_id":-1001,"text":"our answer","post_owner_id":-1001,"post_id":42}""")]
    [InlineData("wall_post_new", """{"id":50,"owner_id":-1001,"from_id":-1001,"created_by":12,"text":"news"}""")]
    [InlineData("message_new", """{"message":{"from_id":-1001,"peer_id":5,"text":"ours"}}""")]
    [InlineData("like_add", """{"liker_id":-1001,"object_type":"post","object_owner_id":-1001,"object_id":1}""")]
    [InlineData("message_reply", """{"id":1,"from_id":-1001,"peer_id":5,"text":"ours"}""")]
    public void Normalize_OurOwnOrUnhandled_Ignored(string type, string @object) => Assert.Null(Normalize(type, @object));

    [Fact]
    public void Normalize_WallPostByUser_PostInItsOwnThread()
    {
        var inbound = Normalize("wall_post_new", """{"id":50,"owner_id":-1001,"from_id":5,"created_by":5,"date":1700000000,"text":"Where is my order?","post_type":"post"}""");

        Assert.Equal(ActivityKind.Post, inbound!.Kind);
        Assert.Equal("Where is my order?", inbound.Text);
        Assert.Equal("vk:shop:wall-1001_50:5", inbound.ConversationId);
        Assert.Equal("https://vk.com/wall-1001_50", inbound.SourceLink);
        Assert.Null(inbound.CommentId);
    }

    [Fact]
    public void Normalize_LikesJoinsLeaves_SignalsConversationWithLikeJoinLeaveAndTheRemovedFlag()
    {
        var like = Normalize("like_add", """{"liker_id":5,"object_type":"market","object_owner_id":-1001,"object_id":8,"thread_reply_id":0,"post_id":0}""");
        var unlike = Normalize("like_remove", """{"liker_id":5,"object_type":"comment","object_owner_id":-1001,"object_id":7,"thread_reply_id":0,"post_id":42}""");
        var join = Normalize("group_join", """{"user_id":5,"join_type":"join"}""");
        var asked = Normalize("group_join", """{"user_id":5,"join_type":"request"}""");
        var left = Normalize("group_leave", """{"user_id":5,"self":1}""");
        var removed = Normalize("group_leave", """{"user_id":5,"self":0}""");

        Assert.Equal((ActivityKind.Like, "vk:shop:signals:5", "market-1001_8", (string?)null), (like!.Kind, like.ConversationId, like.ProductHint, like.Text));
        Assert.Null(like.Fields);
        Assert.Equal((ActivityKind.Like, "https://vk.com/wall-1001_42?reply=7"), (unlike!.Kind, unlike.SourceLink));
        Assert.Equal("[like removed] comment", unlike.Text);
        Assert.Equal("true", unlike.Fields![VkNormalizer.RemovedField]);
        Assert.Equal((ActivityKind.Join, (string?)null), (join!.Kind, join.Text));
        Assert.Equal((ActivityKind.Join, "[asked to join]"), (asked!.Kind, asked.Text));
        Assert.Equal((ActivityKind.Leave, "vk:shop:signals:5", (string?)null, (IReadOnlyDictionary<string, string>?)null), (left!.Kind, left.ConversationId, left.Text, left.Fields));
        Assert.Equal((ActivityKind.Leave, "[removed from the community]"), (removed!.Kind, removed.Text));
        Assert.Equal("true", removed.Fields![VkNormalizer.RemovedField]);
    }

    [Theory]
    [InlineData("""{"liker_id":5,"object_type":"post","object_owner_id":-1001,"object_id":42,"thread_reply_id":0,"post_id":0}""", "https://vk.com/wall-1001_42")]
    [InlineData("""{"liker_id":5,"object_type":"comment","object_owner_id":-1001,"object_id":7,"thread_reply_id":0,"post_id":42}""", "https://vk.com/wall-1001_42?reply=7")]
    [InlineData("""{"liker_id":5,"object_type":"photo","object_owner_id":-1001,"object_id":9,"thread_reply_id":0,"post_id":0}""", "https://vk.com/photo-1001_9")]
    [InlineData("""{"liker_id":5,"object_type":"video","object_owner_id":-1001,"object_id":9,"thread_reply_id":0,"post_id":0}""", "https://vk.com/video-1001_9")]
    [InlineData("""{"liker_id":5,"object_type":"photo_comment","object_owner_id":-1001,"object_id":7,"thread_reply_id":0,"post_id":0}""", "https://vk.com/club1001")]
    [InlineData("""{"liker_id":5,"object_type":"topic_comment","object_owner_id":-1001,"object_id":7,"thread_reply_id":0,"post_id":0}""", "https://vk.com/club1001")]
    public void Normalize_Like_LinksTheLikedObjectOnlyWhereTheEventNamesIt(string @object, string link) =>
        Assert.Equal(link, Normalize("like_add", @object)!.SourceLink);

    [Fact]
    public void Normalize_MessageAllowDeny_PermissionOnlyNothingToRecord()
    {
        var allow = Normalize("message_allow", """{"user_id":5,"key":"k"}""");
        var deny = Normalize("message_deny", """{"user_id":5}""");

        Assert.Null(allow!.ConversationId);
        Assert.True(allow.MessagesAllowed);
        Assert.False(deny!.MessagesAllowed);
    }

    [Fact]
    public void Normalize_MessageTypingState_TheCustomersDialog_NothingToRecord()
    {
        var typing = Normalize("message_typing_state", """{"state":"typing","from_id":5,"to_id":-1001}""");

        Assert.Equal("vk:shop:5", typing!.TypingIn);
        Assert.Null(typing.ConversationId);
        Assert.Null(Normalize("message_typing_state", """{"state":"audiomessage","from_id":5,"to_id":-1001}""")?.TypingIn);
        Assert.Null(Normalize("message_typing_state", """{"state":"typing","to_id":-1001}"""));
    }

    [Fact]
    public void Normalize_NoEventId_StableDigestSoRepeatsStillDedupe()
    {
        var first = Normalize("wall_reply_new", """{"id":7,"from_id":5,"post_owner_id":-1001,"post_id":42}""", eventId: null);
        var again = Normalize("wall_reply_new", """{"id":7,"from_id":5,"post_owner_id":-1001,"post_id":42}""", eventId: null);

        Assert.Equal(first!.EventId, again!.EventId);
        Assert.StartsWith("wall_reply_new:", first.EventId);
    }
}
