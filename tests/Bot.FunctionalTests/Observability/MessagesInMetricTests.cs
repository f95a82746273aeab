using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.Contracts;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Handoff;
using SupportBot.Pipeline;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Observability;

/// <summary>
/// <c>supportbot.messages.in</c> counts each customer message once: the model's later call for a person on a message
/// (an Escalate activity through the same ingress) is not a second message. Its own host: the escalation queues a chat,
/// which <see cref="MetricsTests"/> counts on its queue gauge. That escalation is a turn of its own, ending in a handoff.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MessagesInMetricTests : IAsyncLifetime
{
    private const string ScrapeKey = "scrape-key-messages-in-0123456789";
    private readonly RedisServerFixture _store = new();
    private BotFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        await _store.InitializeAsync();
        _factory = new BotFactory(_store.ConnectionString, new Dictionary<string, string?>
        {
            ["Metrics:Keys:0"] = ScrapeKey,
            ["Handoff:Assignment"] = "Claim",
        });
        _ = _factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _store.DisposeAsync();
    }

    [Fact]
    public async Task MessageThenModelEscalation_CountedAsOneMessageIn()
    {
        var chat = new DirectLineTestClient(_factory.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.WaitForBotMessagesAsync(conversation, 1); // the greeting: the start is not a message either
        var before = await ScrapeAsync();

        await chat.SendAsync(conversation, "How long does delivery take?");
        await chat.WaitForBotMessagesAsync(conversation, 2);
        // As the enrichment worker does when the model finds that message negative.
        var conversationId = AgentTestClient.ConversationOf(conversation);
        var escalation = await _factory.Services.GetRequiredService<PipelineIngress>().AcceptAsync(new ChannelActivity
        {
            Channel = "webchat",
            ConversationId = conversationId,
            EventId = "escalate:metrics-" + Guid.NewGuid().ToString("N"),
            From = new ChannelUser("visitor"),
            Kind = ActivityKind.Escalate,
            Text = SupportBot.Enrichment.EnrichmentWorker.NegativeSentimentReason,
            ChannelAccount = "webchat",
        });
        Assert.True(escalation.Accepted);
        var handoff = _factory.Services.GetRequiredService<HandoffStore>();
        await Eventually.TrueAsync(async () => !(await handoff.OwnerAsync(conversationId)).IsBot, "the escalated chat handed over");

        // Scraped until the answer and the escalation's acknowledgement are counted: both turns ran (and their ingress counted).
        var after = "";
        await Eventually.TrueAsync(async () =>
        {
            after = await ScrapeAsync();
            return PrometheusText.Sum(after, "supportbot_messages_out_total", ("channel", "webchat")) - PrometheusText.Sum(before, "supportbot_messages_out_total", ("channel", "webchat")) >= 2;
        }, "the answer and the acknowledgement counted");
        var lines = string.Join("\n", after.Split('\n').Where(l => l.StartsWith("supportbot_messages_in", StringComparison.Ordinal)));
        Assert.True(PrometheusText.Sum(after, "supportbot_messages_in_total", ("channel", "webchat")) - PrometheusText.Sum(before, "supportbot_messages_in_total", ("channel", "webchat")) == 1, lines);
        Assert.Equal(0, PrometheusText.Sum(after, "supportbot_messages_in_total", ("kind", "escalate")));

        // Two turns ran: the answer, then the model's escalation, which ended in a handoff.
        var turns = string.Join("\n", after.Split('\n').Where(l => l.StartsWith("supportbot_turns", StringComparison.Ordinal)));
        Assert.True(PrometheusText.Sum(after, "supportbot_turns_total", ("channel", "webchat"), ("outcome", "answered")) - PrometheusText.Sum(before, "supportbot_turns_total", ("channel", "webchat"), ("outcome", "answered")) == 1, turns);
        Assert.True(PrometheusText.Sum(after, "supportbot_turns_total", ("channel", "webchat"), ("outcome", "handoff")) - PrometheusText.Sum(before, "supportbot_turns_total", ("channel", "webchat"), ("outcome", "handoff")) == 1, turns);
    }

    private async Task<string> ScrapeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeKey);
        var response = await _factory.CreateClient().SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }
}
