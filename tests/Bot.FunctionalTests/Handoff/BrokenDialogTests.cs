using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;

namespace SupportBot.FunctionalTests.Handoff;

/// <summary>A dialog that fails brings a person in once; when the person hands back, the bot starts afresh.</summary>
public sealed class BrokenDialogTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task DialogFails_PersonHelps_HandsBack_TheBotAnswersAgain_InsteadOfFailingOnTheSameDialog()
    {
        await using var host = new BotFactory(redis.ConnectionString, HandoffSettings.Claim, services =>
        {
            services.RemoveAll<IConversationBot>();
            services.AddSingleton<IConversationBot, FormBot>();
        });
        var customer = new DirectLineTestClient(host.CreateClient());
        await using var agent = new AgentTestClient(host, "fixer-" + Guid.NewGuid().ToString("N")[..8]);
        await agent.OnlineAsync();
        var chat = await customer.StartAsync();
        var id = ConversationOf(chat);

        await customer.SendAsync(chat, "start the form");
        await customer.WaitForBotMessagesAsync(chat, 1);
        await customer.SendAsync(chat, "my answer"); // the form's dialog fails: an apology, and a person is asked for
        var apology = await customer.WaitForBotMessagesAsync(chat, 2);
        Assert.Contains("went wrong", apology[1]["text"]!.GetValue<string>(), StringComparison.Ordinal);
        await agent.WaitForAsync(id, details => Status(details) == "queued");

        Assert.Equal(HttpStatusCode.OK, (await agent.ClaimAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await agent.ReturnAsync(id)).StatusCode);
        await customer.SendAsync(chat, "hello again");

        var deadline = DateTime.UtcNow.AddSeconds(15);
        List<System.Text.Json.Nodes.JsonObject> messages;
        while (!(messages = DirectLineTestClient.BotMessages(await customer.GetActivitiesAsync(chat))).Any(m => m["text"]?.GetValue<string>() == "Hello! How can I help?"))
        {
            Assert.True(DateTime.UtcNow < deadline, "The bot did not answer after the hand-back: " + string.Join(" | ", messages.Select(m => m["text"])));
            await Task.Delay(50, TestCancellation.Ct);
        }

        Assert.Single(messages, m => m["text"]!.GetValue<string>().Contains("went wrong", StringComparison.Ordinal));
        Assert.Equal("returned", Status(await agent.DetailsAsync(id)));
    }

    /// <summary>Opens a "form" dialog that fails on the next message, as a dialog with a bug would.</summary>
    private sealed class FormBot : IConversationBot
    {
        public Task<BotTurnResult> OnTurnAsync(BotTurn turn, CancellationToken cancellationToken)
        {
            if (turn.Activity.Kind == ActivityKind.ConversationStart)
            {
                return Task.FromResult(BotTurnResult.Say());
            }

            if (turn.State.Dialog is not null)
            {
                throw new InvalidOperationException("The form dialog failed.");
            }

            if (turn.Activity.Text == "start the form")
            {
                turn.State.Dialog = JsonSerializer.SerializeToElement(new { form = 1 });
                return Task.FromResult(new BotTurnResult([new OutgoingMessage("Your name?")]));
            }

            return Task.FromResult(new BotTurnResult([new OutgoingMessage("Hello! How can I help?")]));
        }
    }
}
