using System.Text.Json.Nodes;
using SupportBot.Channels.Vk;
using SupportBot.Contracts;

namespace SupportBot.Tests.Channels.Vk;

public sealed class VkSenderTests
{
    [Fact]
    public void RandomId_SameItemAndPart_SameIdOtherwiseDifferent()
    {
        var id = VkSender.RandomId("vk:shop:5:3:0", 0);

        Assert.Equal(id, VkSender.RandomId("vk:shop:5:3:0", 0));
        Assert.NotEqual(id, VkSender.RandomId("vk:shop:5:3:0", 1));
        Assert.NotEqual(id, VkSender.RandomId("vk:shop:5:3:1", 0));
        Assert.InRange(id, 1, int.MaxValue);
    }

    [Fact]
    public void Split_LongText_PartsWithinTheLimitThatAddUpToTheText()
    {
        var text = string.Concat(Enumerable.Range(0, 3000).Select(i => "word" + i + (i % 50 == 0 ? "\n\n" : " ")));

        var parts = VkSender.Split(text, 4096);

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.InRange(p.Length, 1, 4096));
        Assert.Equal(text, string.Concat(parts));
        Assert.Equal(["short"], VkSender.Split("short", 4096));
    }

    [Fact]
    public void Split_NoSpacesAndSurrogatePairs_NeverCutsAPairInHalf()
    {
        var text = string.Concat(Enumerable.Repeat("😀", 3000));

        var parts = VkSender.Split(text, 4095);

        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
        Assert.Equal(text, string.Concat(parts));
    }

    [Fact]
    public void Keyboard_FewChoices_InlineCallbackButtonsWithTheValueInThePayload()
    {
        var keyboard = JsonNode.Parse(VkSender.Keyboard([new("Delivery", "delivery"), new("Returns", "returns")])!)!;

        Assert.True(keyboard["inline"]!.GetValue<bool>());
        Assert.Null(keyboard["one_time"]);
        var action = keyboard["buttons"]![1]![0]!["action"]!;
        Assert.Equal("callback", action["type"]!.GetValue<string>());
        Assert.Equal("Returns", action["label"]!.GetValue<string>());
        Assert.Equal("returns", JsonNode.Parse(action["payload"]!.GetValue<string>())!["value"]!.GetValue<string>());
    }

    [Fact]
    public void Keyboard_TheRatingsAfterAResolvedChat_FiveSideBySideInOneRow()
    {
        var keyboard = JsonNode.Parse(VkSender.Keyboard(SupportBot.Handoff.SatisfactionSurvey.Choices)!)!;

        var row = Assert.Single(keyboard["buttons"]!.AsArray())!.AsArray();
        Assert.Equal(["1 😞", "2 😕", "3 😐", "4 😊", "5 😀"], row.Select(b => b!["action"]!["label"]!.GetValue<string>()));
        Assert.Equal("5", JsonNode.Parse(row[4]!["action"]!["payload"]!.GetValue<string>())!["value"]!.GetValue<string>());
        // Longer labels stay one per row.
        Assert.Equal(2, JsonNode.Parse(VkSender.Keyboard([new("Delivery", "delivery"), new("Returns", "returns")])!)!["buttons"]!.AsArray().Count);
    }

    [Fact]
    public void Keyboard_RussianQuestionAsTheValue_PayloadWithinVksLimitOf255Characters()
    {
        // A clarifying question offers FAQ questions as choices, their text as the value.
        const string question = "Сколько времени занимает доставка заказа в мой город?";

        var keyboard = JsonNode.Parse(VkSender.Keyboard([new(question, question), new("Оператор", "человек")])!)!;

        var payloads = keyboard["buttons"]!.AsArray().SelectMany(r => r!.AsArray()).Select(b => b!["action"]!["payload"]!.GetValue<string>()).ToList();
        Assert.All(payloads, p => Assert.InRange(p.Length, 1, 255)); // VK refuses the whole message (error 911) otherwise
        Assert.Equal(question, JsonNode.Parse(payloads[0])!["value"]!.GetValue<string>());
    }

    [Fact]
    public void Keyboard_ManyChoices_OneTimeTextKeyboardWithinVkLimits()
    {
        var choices = Enumerable.Range(1, 25).Select(i => new SuggestedChoice("Choice " + i, "c" + i)).ToList();

        var keyboard = JsonNode.Parse(VkSender.Keyboard(choices)!)!;

        Assert.False(keyboard["inline"]!.GetValue<bool>());
        Assert.True(keyboard["one_time"]!.GetValue<bool>());
        var rows = keyboard["buttons"]!.AsArray();
        Assert.InRange(rows.Count, 1, 10);
        Assert.All(rows, r => Assert.InRange(r!.AsArray().Count, 1, 5));
        Assert.Equal(25, rows.Sum(r => r!.AsArray().Count));
        Assert.Equal("text", rows[0]![0]!["action"]!["type"]!.GetValue<string>());
        Assert.Null(VkSender.Keyboard([]));
    }

    [Theory]
    [InlineData("vk:shop:5", 5L, null)]
    [InlineData("vk:shop:2000000001", 2000000001L, null)]
    [InlineData("vk:shop:wall-1001_42:5", null, "wall")]
    [InlineData("vk:shop:board-1001_3:5", null, "board")]
    public void Parse_OurConversationIds_RoundTrip(string id, long? peer, string? thread)
    {
        var parsed = VkConversation.Parse(id)!;

        Assert.Equal("shop", parsed.Community);
        Assert.Equal(peer, parsed.PeerId);
        Assert.Equal(thread, parsed.ThreadType);
    }

    [Theory]
    [InlineData("webchat:abc")]
    [InlineData("vk:shop")]
    [InlineData("vk:shop:wallx_1:5")]
    [InlineData("vk:shop:other-1_2:5")]
    public void Parse_Foreign_Null(string id) => Assert.Null(VkConversation.Parse(id));
}
