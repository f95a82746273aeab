using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Infrastructure;

/// <summary>An agent using the handoff API and the live hub of one host, as the console does.</summary>
public sealed class AgentTestClient : IAsyncDisposable
{
    private readonly WebApplicationFactory<Program> _factory;
    private readonly Channel<JsonObject> _notices = Channel.CreateUnbounded<JsonObject>();
    private HubConnection? _hub;

    public AgentTestClient(WebApplicationFactory<Program> factory, string agentId, string? apiKey = BotFactory.ApiKey)
    {
        _factory = factory;
        AgentId = agentId;
        Http = factory.CreateClient();
        if (apiKey is not null)
        {
            Http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        Http.DefaultRequestHeaders.Add("X-Agent-Id", agentId);
    }

    public string AgentId { get; }

    public HttpClient Http { get; }

    /// <summary>Our conversation id of a website chat started by <see cref="DirectLineTestClient"/>.</summary>
    public static string ConversationOf(StartedConversation conversation) => "webchat:" + conversation.ConversationId;

    public Task<HttpResponseMessage> SetPresenceAsync(string status, int? capacity = null, string? name = null) =>
        Http.PutAsJsonAsync($"/api/agents/{AgentId}/presence", new JsonObject { ["status"] = status, ["capacity"] = capacity, ["name"] = name ?? AgentId }, Ct);

    public async Task OnlineAsync(int capacity = 3, string? name = null) => (await SetPresenceAsync("online", capacity, name)).EnsureSuccessStatusCode();

    public Task<HttpResponseMessage> ClaimAsync(string conversationId) => Http.PostAsync($"/api/handoff/{conversationId}/claim", null, Ct);

    public Task<HttpResponseMessage> SendAsync(string conversationId, string text) =>
        Http.PostAsJsonAsync($"/api/handoff/{conversationId}/messages", new JsonObject { ["text"] = text }, Ct);

    public Task<HttpResponseMessage> ResolveAsync(string conversationId, string? reason = null) =>
        Http.PostAsJsonAsync($"/api/handoff/{conversationId}/resolve", new JsonObject { ["reason"] = reason }, Ct);

    public Task<HttpResponseMessage> ReturnAsync(string conversationId) => Http.PostAsync($"/api/handoff/{conversationId}/return", null, Ct);

    public Task<HttpResponseMessage> TransferAsync(string conversationId, JsonObject body) =>
        Http.PostAsJsonAsync($"/api/handoff/{conversationId}/transfer", body, Ct);

    public async Task<JsonObject> GetAsync(string path)
    {
        var response = await Http.GetAsync(path, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    public Task<JsonObject> DetailsAsync(string conversationId) => GetAsync($"/api/handoff/{conversationId}");

    /// <summary>Polls the conversation's handoff until <paramref name="done"/> holds (the pipeline and monitor work asynchronously).</summary>
    public async Task<JsonObject> WaitForAsync(string conversationId, Func<JsonObject, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var response = await Http.GetAsync($"/api/handoff/{conversationId}", Ct);
            if (response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<JsonObject>(Ct) is { } details && done(details))
            {
                return details;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{conversationId} did not reach the expected handoff state; last: {await response.Content.ReadAsStringAsync(Ct)}");
            }

            await Task.Delay(50, Ct);
        }
    }

    public static string? Status(JsonObject details) => details["chat"]?["status"]?.GetValue<string>();

    public static IEnumerable<string> EventTypes(JsonObject details) => details["events"]!.AsArray().Select(e => e!["type"]!.GetValue<string>());

    /// <summary>Connects to the live hub (long polling through the test server).</summary>
    public async Task ConnectHubAsync()
    {
        var server = ((WebApplicationFactory<Program>)_factory).Server;
        _hub = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "/hubs/handoff"), options =>
            {
                options.HttpMessageHandlerFactory = _ => server.CreateHandler();
                options.Transports = HttpTransportType.LongPolling;
                foreach (var header in Http.DefaultRequestHeaders)
                {
                    options.Headers[header.Key] = string.Join(",", header.Value);
                }
            })
            .Build();
        _hub.On<JsonElement>("handoff", notice => _notices.Writer.TryWrite(JsonNode.Parse(notice.GetRawText())!.AsObject()));
        await _hub.StartAsync(Ct);
    }

    /// <summary>The next live notice that matches, within the timeout.</summary>
    public async Task<JsonObject> NextNoticeAsync(Func<JsonObject, bool> match, TimeSpan? timeout = null)
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancellation.CancelAfter(timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var notice = await _notices.Reader.ReadAsync(cancellation.Token);
            if (match(notice))
            {
                return notice;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_hub is not null)
        {
            await _hub.DisposeAsync();
        }

        Http.Dispose();
    }
}
