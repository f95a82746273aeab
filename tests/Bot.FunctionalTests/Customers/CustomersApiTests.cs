using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Customers.CustomerTalk;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Customers;

public sealed class CustomersApiOnRedisTests(CustomersHostFixture<RedisServerFixture> host)
    : CustomersApiTests(host.Factory, host.Telegram, host.Api), IClassFixture<CustomersHostFixture<RedisServerFixture>>;

public sealed class CustomersApiOnGarnetTests(CustomersHostFixture<GarnetFixture> host)
    : CustomersApiTests(host.Factory, host.Telegram, host.Api), IClassFixture<CustomersHostFixture<GarnetFixture>>;

/// <summary>What an agent sees of customers: one person across channels, merging, notes, status and stage.</summary>
public abstract class CustomersApiTests(BotFactory host, RecordingSender telegram, Func<string?, HttpClient> api)
{
    private static string Unique(string name) => name + Guid.NewGuid().ToString("N")[..8];

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(n => n!.GetValue<string>())];

    /// <summary>A visitor who writes once on the website chat: a customer of their own.</summary>
    private async Task<(string ConversationId, string CustomerId)> VisitorAsync(string text = "Hello there")
    {
        var (chat, conversation) = await StartChatAsync(host);
        await SayAsync(chat, conversation, text);
        var id = "webchat:" + conversation.ConversationId;
        return (id, (await CustomerOfAsync(api("olga"), id))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task SameEmailTypedIntoRequestsOnWebChatAndTelegram_TwoCustomersEachListingTheOtherAsAPossibleDuplicate()
    {
        // Anyone can type any address: the second person must not get the first one's card (history), nor the first theirs.
        var email = Unique("alice.") + "@Example.com";
        var (chat, web) = await StartChatAsync(host);
        await SayAsync(chat, web, "open a request", expect: "What is your name?");
        await SayAsync(chat, web, "Alice Smith", expect: "What can I help with?");
        await SayAsync(chat, web, "returns", expect: "e-mail");
        await SayAsync(chat, web, email, expect: "Shall I open a request");
        await SayAsync(chat, web, "yes", expect: "Your request is open");

        var telegramUser = Unique("");
        await SayOnTelegramAsync(host, telegram, telegramUser, "open a request", expect: "What is your name?");
        var before = await CustomerOfAsync(api("olga"), "telegram:" + telegramUser);
        await SayOnTelegramAsync(host, telegram, telegramUser, "Alice", expect: "What can I help with?");
        await SayOnTelegramAsync(host, telegram, telegramUser, "delivery", expect: "e-mail");
        await SayOnTelegramAsync(host, telegram, telegramUser, email.ToUpperInvariant(), expect: "Shall I open a request");
        await SayOnTelegramAsync(host, telegram, telegramUser, "yes", expect: "Your request is open");

        var onWeb = await CustomerOfAsync(api("olga"), "webchat:" + web.ConversationId);
        var onTelegram = await CustomerOfAsync(api("olga"), "telegram:" + telegramUser);
        Assert.Equal(before["id"]!.GetValue<string>(), onTelegram["id"]!.GetValue<string>());
        Assert.NotEqual(onWeb["id"]!.GetValue<string>(), onTelegram["id"]!.GetValue<string>());
        Assert.Equal("Alice Smith", onWeb["name"]!.GetValue<string>());
        Assert.Equal("Alice", onTelegram["name"]!.GetValue<string>());
        foreach (var (card, other) in new[] { (onWeb, onTelegram), (onTelegram, onWeb) })
        {
            Assert.Equal([email.ToLowerInvariant()], Strings(card["emails"]));
            Assert.Single(card["identities"]!.AsArray());
            var match = Assert.Single(card["possibleDuplicates"]!.AsArray())!;
            Assert.Equal(other["id"]!.GetValue<string>(), match["id"]!.GetValue<string>());
            Assert.Equal(email.ToLowerInvariant(), match["shared"]!.GetValue<string>());

            // Each card's records are that person's conversation only.
            var records = await JsonAsync(await api("olga").GetAsync($"/api/customers/{card["id"]}/records", Ct));
            var conversation = Assert.Single(records["items"]!.AsArray().Select(r => r!["conversationId"]!.GetValue<string>()).Distinct());
            Assert.Equal(card == onWeb ? "webchat:" + web.ConversationId : "telegram:" + telegramUser, conversation);
        }

        // An agent finds both by the address and, knowing it is one person, merges them.
        var hits = await JsonAsync(await api("olga").GetAsync($"/api/customers?q={Uri.EscapeDataString(email[..10])}", Ct));
        Assert.Equal(2, hits["items"]!.AsArray().Count);
        var merged = await JsonAsync(await api("olga").PostAsJsonAsync($"/api/customers/{onWeb["id"]}/merge", new { otherId = onTelegram["id"]!.GetValue<string>() }, Ct));
        Assert.Equal(["telegram", "webchat"], merged["identities"]!.AsArray().Select(i => i!["type"]!.GetValue<string>()).Order());
        Assert.Empty(merged["possibleDuplicates"]!.AsArray());
    }

    [Fact]
    public async Task AgentAnswersInChat_NewCustomerBecomesContacted()
    {
        var (chat, conversation) = await StartChatAsync(host);
        await SayAsync(chat, conversation, "Can I talk to a person?");
        var conversationId = "webchat:" + conversation.ConversationId;
        Assert.Equal("new", (await CustomerOfAsync(api("olga"), conversationId))["status"]!.GetValue<string>());

        await using var agent = new AgentTestClient(host, Unique("agent"));
        await agent.OnlineAsync();
        (await agent.ClaimAsync(conversationId)).EnsureSuccessStatusCode();
        (await agent.SendAsync(conversationId, "Hello, I'm here.")).EnsureSuccessStatusCode();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while ((await CustomerOfAsync(api("olga"), conversationId))["status"]!.GetValue<string>() != "contacted")
        {
            Assert.True(DateTime.UtcNow < deadline, "The customer never became contacted.");
            await Task.Delay(50, Ct);
        }

        await agent.SetPresenceAsync("offline");
    }

    [Fact]
    public async Task Merge_BothChannelsUnderOneCustomer_OldIdRedirects()
    {
        var (firstConversation, first) = await VisitorAsync();
        var (secondConversation, second) = await VisitorAsync();
        (await api("olga").PostAsJsonAsync($"/api/customers/{second}/notes", new { text = "Prefers e-mail" }, Ct)).EnsureSuccessStatusCode();

        var merged = await JsonAsync(await api("olga").PostAsJsonAsync($"/api/customers/{first}/merge", new { otherId = second }, Ct));

        Assert.Equal(first, merged["id"]!.GetValue<string>());
        Assert.Equal(2, merged["identities"]!.AsArray().Count);
        Assert.Equal("Prefers e-mail", merged["notes"]![0]!["text"]!.GetValue<string>());
        Assert.Equal(first, (await CustomerOfAsync(api("olga"), secondConversation))["id"]!.GetValue<string>());
        Assert.Equal(first, (await CustomerOfAsync(api("olga"), firstConversation))["id"]!.GetValue<string>());

        var redirected = await api("olga").GetAsync($"/api/customers/{second}", Ct);
        Assert.Equal(first, (await JsonAsync(redirected))["id"]!.GetValue<string>());
        Assert.EndsWith("/api/customers/" + first, redirected.RequestMessage!.RequestUri!.AbsolutePath);

        var again = await ProblemAssert.IsProblemAsync(await api("olga").PostAsJsonAsync($"/api/customers/{first}/merge", new { otherId = second }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("otherId", again["detail"]!.GetValue<string>());
        var unknown = await ProblemAssert.IsProblemAsync(await api("olga").PostAsJsonAsync($"/api/customers/{first}/merge", new { otherId = "00000000000000ff" }, Ct), HttpStatusCode.NotFound);
        Assert.Contains("otherId", unknown["detail"]!.GetValue<string>());
        var missing = await ProblemAssert.IsProblemAsync(await api("olga").PostAsJsonAsync($"/api/customers/{first}/merge", new { other = second }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("otherId", missing["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task AgentSetsStatusStageTagsName_AndAddsNotes()
    {
        var (_, id) = await VisitorAsync();
        var patched = await JsonAsync(await api("olga").PatchAsJsonAsync($"/api/customers/{id}", new { status = "lead", stage = "proposal", tags = new[] { "vip", "kettles", "vip" }, name = "Boris Pavlov" }, Ct));
        Assert.Equal("lead", patched["status"]!.GetValue<string>());
        Assert.Equal("proposal", patched["stage"]!.GetValue<string>());
        Assert.Equal(["kettles", "vip"], Strings(patched["tags"]));
        Assert.Equal("Boris Pavlov", patched["name"]!.GetValue<string>());

        var note = await JsonAsync(await api("ivan").PostAsJsonAsync($"/api/customers/{id}/notes", new { text = "  Wants <b>two</b> kettles  " }, Ct));
        Assert.Equal("ivan", note["author"]!.GetValue<string>());
        var customer = await JsonAsync(await api("olga").GetAsync($"/api/customers/{id}", Ct));
        var saved = Assert.Single(customer["notes"]!.AsArray())!;
        Assert.Equal("Wants <b>two</b> kettles", saved["text"]!.GetValue<string>());
        Assert.Equal("ivan", saved["author"]!.GetValue<string>());

        var found = await JsonAsync(await api("olga").GetAsync("/api/customers?q=pavl", Ct));
        Assert.Contains(found["items"]!.AsArray(), i => i!["id"]!.GetValue<string>() == id);
    }

    [Theory]
    [InlineData("""{"status":"vip"}""", "status")]
    [InlineData("""{"status":5}""", "status")]
    [InlineData("""{"stage":"negotiation"}""", "stage")]
    [InlineData("""{"tags":"vip"}""", "tags")]
    [InlineData("""{"tags":[""]}""", "tags")]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"colour":"red"}""", "colour")]
    [InlineData("""{}""", "status")]
    public async Task BadEdit_400NamingTheField(string body, string field)
    {
        var (_, id) = await VisitorAsync();
        var response = await api("olga").PatchAsync($"/api/customers/{id}", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadNotesAndQueries_400NamingTheField()
    {
        var (_, id) = await VisitorAsync();
        foreach (var body in new object[] { new { text = "" }, new { text = new string('x', 2001) }, new { text = 5 } })
        {
            var problem = await ProblemAssert.IsProblemAsync(await api("olga").PostAsJsonAsync($"/api/customers/{id}/notes", body, Ct), HttpStatusCode.BadRequest);
            Assert.Contains("text", problem["detail"]!.GetValue<string>());
        }

        var noAgent = await ProblemAssert.IsProblemAsync(await api(null).PostAsJsonAsync($"/api/customers/{id}/notes", new { text = "hi" }, Ct), HttpStatusCode.BadRequest);
        Assert.Contains("X-Agent-Id", noAgent["detail"]!.GetValue<string>());
        Assert.Contains("q", (await ProblemAssert.IsProblemAsync(await api("olga").GetAsync("/api/customers", Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        Assert.Contains("q", (await ProblemAssert.IsProblemAsync(await api("olga").GetAsync("/api/customers?q=a", Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        Assert.Contains("page", (await ProblemAssert.IsProblemAsync(await api("olga").GetAsync($"/api/customers/{id}/records?page=0", Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
        Assert.Contains("conversationId", (await ProblemAssert.IsProblemAsync(await api("olga").GetAsync("/api/customers/by-conversation/a%7Bb", Ct), HttpStatusCode.BadRequest))["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unauthenticated401_Unknown404_Oversized413()
    {
        var (_, id) = await VisitorAsync();
        var anonymous = host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/customers/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync($"/api/customers/{id}/notes", new { text = "hi" }, Ct)).StatusCode);

        await ProblemAssert.IsProblemAsync(await api("olga").GetAsync("/api/customers/00000000000000ff", Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await api("olga").GetAsync("/api/customers/not-an-id", Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await api("olga").GetAsync("/api/customers/by-conversation/webchat:nobody", Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await api("olga").PatchAsJsonAsync("/api/customers/00000000000000ff", new { status = "lead" }, Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await api("olga").PostAsJsonAsync("/api/customers/00000000000000ff/notes", new { text = "hi" }, Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await api("olga").GetAsync("/api/customers/00000000000000ff/records", Ct), HttpStatusCode.NotFound);

        var huge = await api("olga").PostAsJsonAsync($"/api/customers/{id}/notes", new { text = new string('x', 20_000) }, Ct);
        await ProblemAssert.IsProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge);
    }
}
