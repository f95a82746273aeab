using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using SupportBot.FunctionalTests.Handoff;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.AgentTestClient;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Customers;

public sealed class CustomerErasureOnRedisTests(ClaimHostFixture<RedisServerFixture> host)
    : CustomerErasureTests(host.Factory), IClassFixture<ClaimHostFixture<RedisServerFixture>>;

public sealed class CustomerErasureOnGarnetTests(ClaimHostFixture<GarnetFixture> host)
    : CustomerErasureTests(host.Factory), IClassFixture<ClaimHostFixture<GarnetFixture>>;

/// <summary>
/// A customer asks for their data to be erased: after <c>DELETE /api/customers/{id}</c> no key in the store holds their
/// words, their name or their ids, while another customer's data is untouched.
/// </summary>
public abstract class CustomerErasureTests(BotFactory factory)
{
    private static string Marker() => "zq" + new string([.. Guid.NewGuid().ToString("N").Take(12).Select(c => (char)('a' + Convert.ToInt32(c.ToString(), 16)))]);

    /// <summary>A customer of the web chat who talked to a person, was noted, followed up and rated the chat; their customer id.</summary>
    private async Task<(string CustomerId, string ConversationId, string UserId)> ServedCustomerAsync(string marker, AgentTestClient agent)
    {
        var customer = new DirectLineTestClient(factory.CreateClient());
        var chat = await customer.StartAsync();
        var message = DirectLineTestClient.Message($"My order {marker} is late, I want a human");
        message["from"]!["name"] = "Erika " + marker;
        (await customer.PostActivityAsync(chat, message)).EnsureSuccessStatusCode();
        await customer.WaitForBotMessagesAsync(chat, 3);
        var id = ConversationOf(chat);
        (await agent.ClaimAsync(id)).EnsureSuccessStatusCode();
        (await agent.SendAsync(id, $"I am checking order {marker} now.")).EnsureSuccessStatusCode();
        (await agent.ResolveAsync(id, "checked " + marker)).EnsureSuccessStatusCode();
        await customer.WaitForBotMessagesAsync(chat, 6);
        await customer.SendAsync(chat, "2"); // an unhappy rating: listed for the supervisors too
        await customer.WaitForBotMessagesAsync(chat, 7);

        var card = await agent.GetAsync($"/api/customers/by-conversation/{Uri.EscapeDataString(id)}");
        var customerId = card["id"]!.GetValue<string>();
        (await agent.Http.PostAsJsonAsync($"/api/customers/{customerId}/notes", new JsonObject { ["text"] = "Prefers e-mail, see " + marker }, Ct)).EnsureSuccessStatusCode();
        (await agent.Http.PostAsJsonAsync("/api/followups", new JsonObject
        {
            ["customerId"] = customerId, ["text"] = "Call back about " + marker, ["dueAt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O"),
        }, Ct)).EnsureSuccessStatusCode();
        var userId = (await agent.DetailsAsync(id))["customer"]!["userId"]!.GetValue<string>();
        return (customerId, id, userId);
    }

    [Fact]
    public async Task Erased_NoKeyHoldsTheirWordsNameOrIds_AnotherCustomersDataStays()
    {
        await using var agent = new AgentTestClient(factory, "erasure-" + Guid.NewGuid().ToString("N")[..8]);
        await agent.OnlineAsync();
        var (marker, kept) = (Marker(), Marker());
        var erased = await ServedCustomerAsync(marker, agent);
        var other = await ServedCustomerAsync(kept, agent);
        Assert.NotEmpty(await KeysHoldingAsync(marker)); // what the scan below must find gone

        var response = await agent.Http.DeleteAsync($"/api/customers/{erased.CustomerId}", Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
        Assert.Equal((erased.CustomerId, 1, 1), (result["customerId"]!.GetValue<string>(), result["conversations"]!.GetValue<int>(), result["followUps"]!.GetValue<int>()));
        Assert.True(result["records"]!.GetValue<int>() >= 3, result.ToJsonString()); // their messages and our replies
        foreach (var trace in new[] { marker, erased.ConversationId, erased.UserId, erased.CustomerId })
        {
            var left = await KeysHoldingAsync(trace);
            Assert.True(left.Count == 0, $"'{trace}' is still in: {string.Join(", ", left)}");
        }

        Assert.NotEmpty(await KeysHoldingAsync(kept));
        Assert.Equal(HttpStatusCode.OK, (await agent.Http.GetAsync($"/api/customers/{other.CustomerId}", Ct)).StatusCode);
        await ProblemAssert.IsProblemAsync(await agent.Http.GetAsync($"/api/customers/{erased.CustomerId}", Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await agent.Http.GetAsync($"/api/handoff/{erased.ConversationId}", Ct), HttpStatusCode.NotFound);
        var queue = await agent.GetAsync("/api/handoff/queue");
        Assert.DoesNotContain(queue["items"]!.AsArray(), i => i!["conversationId"]!.GetValue<string>() == erased.ConversationId);

        // Erasing again, or someone unknown, is a 404; without a key, a 401.
        await ProblemAssert.IsProblemAsync(await agent.Http.DeleteAsync($"/api/customers/{erased.CustomerId}", Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await agent.Http.DeleteAsync("/api/customers/no-such-customer", Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await agent.Http.DeleteAsync("/api/customers/%7Bbad%7D", Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await factory.CreateClient().DeleteAsync($"/api/customers/{other.CustomerId}", Ct), HttpStatusCode.Unauthorized);
    }

    private Task<List<string>> KeysHoldingAsync(string text) => RedisScan.KeysHoldingAsync(factory.Services.GetRequiredService<IConnectionMultiplexer>(), text);
}
