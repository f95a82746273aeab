using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FollowUps;
using Microsoft.Extensions.Hosting;
using SupportBot.FunctionalTests.Channels.Telegram;
using SupportBot.FunctionalTests.Customers;
using SupportBot.FunctionalTests.Handoff;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Customers.CustomerTalk;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.FollowUps;

/// <summary>A notifier that times out (as an HTTP call to Telegram can) costs only its own reminder, not the others' nor the host.</summary>
public sealed class FollowUpNotifierFailureTests : IAsyncLifetime
{
    private readonly RedisServerFixture _redis = new();
    private readonly CountingNotifier _working = new();
    private BotFactory _host = null!;

    public async ValueTask InitializeAsync()
    {
        await _redis.InitializeAsync();
        var settings = HandoffSettings.Claim;
        settings["FollowUps:CheckSeconds"] = "0.1";
        _host = new BotFactory(_redis.ConnectionString, settings, services =>
        {
            services.AddSingleton<IAgentNotifier>(new TimingOutNotifier()); // first, so it fails before the other is called
            services.AddSingleton<IAgentNotifier>(_working);
        });
        _ = _host.Server;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task ANotifierTimesOut_TheOtherNotifierStillGetsEveryReminder_AndTheHostGoesOn()
    {
        var api = _host.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        api.DefaultRequestHeaders.Add("X-Agent-Id", "olga");
        var (chat, conversation) = await StartChatAsync(_host);
        await SayAsync(chat, conversation, "Hello there");
        var customerId = (await CustomerOfAsync(api, "webchat:" + conversation.ConversationId))["id"]!.GetValue<string>();

        foreach (var text in new[] { "Call Alice back", "Send Alice the invoice" })
        {
            var created = await api.PostAsJsonAsync("/api/followups", new { customerId, dueAt = DateTimeOffset.UtcNow.AddMilliseconds(300).ToString("O"), text }, Ct);
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync(Ct));
            var id = (await created.Content.ReadFromJsonAsync<JsonObject>(Ct))!["id"]!.GetValue<string>();
            await Eventually.TrueAsync(() => _working.Calls.Any(c => c.Reminder.Id == id), $"the working notifier got \"{text}\"");
        }

        Assert.Equal(2, _working.Calls.Count); // each once: a timed-out notifier does not make the round deliver again
        Assert.False(_host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "the host stopped");
    }

    /// <summary>Fails the way HttpClient does when its timeout passes.</summary>
    private sealed class TimingOutNotifier : IAgentNotifier
    {
        public Task NotifyAsync(ReminderNotice reminder, FollowUpSettings settings, CancellationToken cancellationToken) =>
            throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException());
    }
}
