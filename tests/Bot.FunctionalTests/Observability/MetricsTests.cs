using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Observability;

/// <summary>
/// Runs alone: every host in the process publishes instruments of the same names, OpenTelemetry merges
/// them into one stream per provider, and a host disposed by another test class meanwhile ends that stream.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}

/// <summary>
/// <c>/metrics</c> as Prometheus reads it after real chats over Direct Line, who may read it, and the
/// span of a turn whose trace id reaches the turn's log lines.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests : IAsyncLifetime
{
    private const string ScrapeKey = "scrape-key-0123456789abcdef";
    private const string Department = "metricsdesk";
    private readonly RedisServerFixture _store = new();
    private readonly ScopedLogCapture _logs = new();
    private BotFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        await _store.InitializeAsync();
        _factory = new BotFactory(_store.ConnectionString, new Dictionary<string, string?>
        {
            ["Metrics:Keys:0"] = ScrapeKey,
            ["Metrics:QueueSampleSeconds"] = "1",
            ["Handoff:Assignment"] = "Claim",
            ["Handoff:Departments:0:Name"] = Department,
            ["Logging:LogLevel:Default"] = "Information",
        }, services =>
        {
            ClientAddress.Register(services);
            services.AddSingleton<ILoggerProvider>(_logs);
        });
        _ = _factory.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _store.DisposeAsync();
    }

    private async Task<string> ScrapeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeKey);
        var response = await _factory.CreateClient().SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        return await response.Content.ReadAsStringAsync(Ct);
    }

    [Fact]
    public async Task AfterAWebChat_CountersMovedForWebchat_AndTheQueueGaugeShowsTheEscalatedChat()
    {
        var before = await ScrapeAsync();
        var chat = new DirectLineTestClient(_factory.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.SendAsync(conversation, "How long does delivery take?");
        await chat.WaitForBotMessagesAsync(conversation, 2); // the greeting and the answer
        await chat.SendAsync(conversation, "I want a human");
        await chat.WaitForBotMessagesAsync(conversation, 3);

        string after = "";
        await Eventually.TrueAsync(async () =>
        {
            after = await ScrapeAsync();
            return PrometheusText.Sum(after, "supportbot_handoff_queue_length", ("department", Department)) == 1
                && Moved(before, after, "supportbot_messages_out_total", 3, ("channel", "webchat"));
        }, "the escalated chat in the queue gauge and three replies counted", seconds: 30);

        Assert.True(Moved(before, after, "supportbot_messages_in_total", 2, ("channel", "webchat"), ("kind", "message")));
        Assert.True(Moved(before, after, "supportbot_turns_total", 1, ("channel", "webchat"), ("outcome", "answered")));
        Assert.True(Moved(before, after, "supportbot_turns_total", 1, ("channel", "webchat"), ("outcome", "handoff")));
        Assert.True(Moved(before, after, "supportbot_recognizer_confidence_count", 1, ("decision", "answer")));
        Assert.True(PrometheusText.Sum(after, "supportbot_recognizer_confidence_bucket", ("decision", "answer"), ("le", "+Inf")) >= 1);
        Assert.Contains("http_server_request_duration_seconds_count", after, StringComparison.Ordinal); // ASP.NET Core's own
        Assert.Contains("dotnet_gc_heap_total_allocated_bytes_total", after, StringComparison.Ordinal); // the runtime's

        // The agent takes it: the wait is measured and the gauge goes back to 0.
        await using var agent = new AgentTestClient(_factory, "metrics-agent");
        (await agent.SetPresenceAsync("away")).EnsureSuccessStatusCode();
        var claim = await agent.Http.PostAsync($"/api/handoff/{AgentTestClient.ConversationOf(conversation)}/claim", null, Ct);
        Assert.Equal(HttpStatusCode.OK, claim.StatusCode);
        await Eventually.TrueAsync(async () =>
        {
            after = await ScrapeAsync();
            return PrometheusText.Sum(after, "supportbot_handoff_queue_length", ("department", Department)) == 0;
        }, "the queue gauge back to 0 after the claim", seconds: 30);
        Assert.True(PrometheusText.Sum(after, "supportbot_handoff_wait_seconds_count", ("department", Department)) == 1,
            string.Join("\n", after.Split('\n').Where(l => l.StartsWith("supportbot_", StringComparison.Ordinal))));

        // Resolved, and the customer rates the chat: counted by channel and rating.
        (await agent.ResolveAsync(AgentTestClient.ConversationOf(conversation))).EnsureSuccessStatusCode();
        await chat.WaitForBotMessagesAsync(conversation, 5); // "closed", and the survey
        await chat.SendAsync(conversation, "4");
        await chat.WaitForBotMessagesAsync(conversation, 6);
        await Eventually.TrueAsync(async () =>
            PrometheusText.Sum(after = await ScrapeAsync(), "supportbot_satisfaction_ratings_total", ("channel", "webchat"), ("rating", "4")) == 1,
            "the rating counted", seconds: 30);
        Assert.Equal(0, PrometheusText.Sum(after, "supportbot_satisfaction_ratings_total", ("channel", "webchat"), ("rating", "5")));
    }

    private static bool Moved(string before, string after, string metric, double atLeast, params (string, string)[] labels) =>
        PrometheusText.Sum(after, metric, labels) - PrometheusText.Sum(before, metric, labels) >= atLeast;

    [Fact]
    public async Task Metrics_OpenToThisMachine_ElsewhereOnlyWithAKey()
    {
        var client = _factory.CreateClient();
        async Task<HttpStatusCode> GetAsync(string? from, Action<HttpRequestMessage>? auth = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            if (from is not null)
            {
                request.From(from);
            }

            auth?.Invoke(request);
            return (await client.SendAsync(request, Ct)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await GetAsync("127.0.0.1"));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("::1"));
        // A reverse proxy on this machine relays a visitor: not local.
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync("127.0.0.1", r => r.Headers.Add("X-Forwarded-For", "198.51.100.7")));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync("203.0.113.5"));
        Assert.Equal(HttpStatusCode.Unauthorized, await GetAsync("203.0.113.5", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-key")));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("203.0.113.5", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ScrapeKey)));
        Assert.Equal(HttpStatusCode.OK, await GetAsync("203.0.113.5", r => r.Headers.Add("X-Api-Key", BotFactory.ApiKey)));

        using var refused = new HttpRequestMessage(HttpMethod.Get, "/metrics").From("203.0.113.5");
        var problem = await ProblemAssert.IsProblemAsync(await client.SendAsync(refused, Ct), HttpStatusCode.Unauthorized);
        Assert.Contains("Metrics:AllowAnonymous", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Turn_IsASpanWithConversationAndChannel_AndItsLogLinesCarryItsTraceId()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "SupportBot",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var chat = new DirectLineTestClient(_factory.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.SendAsync(conversation, "Please, a human");
        await chat.WaitForBotMessagesAsync(conversation, 2);
        var conversationId = "webchat:" + conversation.ConversationId;

        Activity? turn = null;
        await Eventually.TrueAsync(() =>
        {
            turn = spans.FirstOrDefault(s => s.OperationName == "turn" && (string?)s.GetTagItem("conversation.id") == conversationId
                && (string?)s.GetTagItem("activity.kind") == "message");
            return turn is not null;
        }, "the turn's span");
        Assert.Equal("webchat", turn!.GetTagItem("channel"));
        Assert.Equal("customer-request", turn.GetTagItem("handoff.reason"));

        // "handed to the queue" is written inside the turn: its scopes hold the conversation and the span's trace id.
        var line = _logs.Entries.First(e => e.Message.Contains(conversationId, StringComparison.Ordinal) && e.Message.Contains("handed to the queue", StringComparison.Ordinal));
        Assert.Contains("TraceId:" + turn.TraceId.ToHexString(), line.Scopes, StringComparison.Ordinal);
        Assert.Contains("Conversation " + conversationId, line.Scopes, StringComparison.Ordinal);
    }
}
