using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.AgentConsole.Accounts;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.FunctionalTests.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Intake;

public sealed class FormIntakeOnRedisTests(IntakeHostFixture<RedisServerFixture> host)
    : FormIntakeTests<RedisServerFixture>(host), IClassFixture<IntakeHostFixture<RedisServerFixture>>;

public sealed class FormIntakeOnGarnetTests(IntakeHostFixture<GarnetFixture> host)
    : FormIntakeTests<GarnetFixture>(host), IClassFixture<IntakeHostFixture<GarnetFixture>>;

/// <summary>A website posts its forms to <c>POST /api/intake/form</c> with its own key; each becomes one open record of source website.</summary>
public abstract class FormIntakeTests<TStore>(IntakeHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    private const string ShopKey = IntakeHostFixture<TStore>.ShopKey;
    private const string BlogKey = IntakeHostFixture<TStore>.BlogKey;
    private const string Page = "https://shop.example/products/grill-2000";

    [Fact]
    public async Task Json_Review_BecomesAWebsiteRecord_InTheFeedReportsAndCustomerCard()
    {
        var word = FeedSupport.UniqueWord();
        var email = $"{word}@Example.com";
        var before = await WebsiteCountAsync();

        var id = await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(host.Site(ShopKey), new
        {
            action = "review",
            page = Page,
            name = "Anna Petrova",
            email,
            phone = "+7 (999) 123-45-67",
            text = $"Great grill, {word} works perfectly",
            product = "Grill 2000",
        }));

        var record = await RecordAsync(id);
        Assert.Equal("website", record["sourceType"]!.GetValue<string>());
        Assert.Equal("review", record["action"]!.GetValue<string>());
        Assert.Equal("in", record["direction"]!.GetValue<string>());
        Assert.Equal(Page, record["sourceLink"]!.GetValue<string>());
        Assert.Equal("Grill 2000", record["product"]!.GetValue<string>());
        Assert.Equal("shop", record["channelAccount"]!.GetValue<string>());
        Assert.Equal("Anna Petrova", record["author"]!["name"]!.GetValue<string>());
        Assert.Equal(email.ToLowerInvariant(), record["fields"]!["email"]!.GetValue<string>());
        Assert.Equal("+79991234567", record["fields"]!["phone"]!.GetValue<string>());
        Assert.Equal("positive", record["sentiment"]!.GetValue<string>());
        Assert.Equal("mailto:" + email.ToLowerInvariant(), record["replyAction"]!.GetValue<string>());
        Assert.False(record["processed"]!.GetValue<bool>());

        var feed = await host.Api().GetFromJsonAsync<JsonObject>($"/api/interests?source=website&action=review&q={word}", Ct);
        Assert.Equal([id], feed!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));

        var customer = await host.Api().GetFromJsonAsync<JsonObject>("/api/customers/by-conversation/" + Uri.EscapeDataString(record["conversationId"]!.GetValue<string>()), Ct);
        Assert.Contains(email.ToLowerInvariant(), customer!["emails"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.Contains("+79991234567", customer["phones"]!.AsArray().Select(e => e!.GetValue<string>()));
        var records = await host.Api().GetFromJsonAsync<JsonObject>($"/api/customers/{customer["id"]}/records", Ct);
        Assert.Contains(id, records!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));

        Assert.Equal(before + 1, await WebsiteCountAsync());
    }

    [Fact]
    public async Task FormUrlEncoded_CallBackRequest_PhoneNormalised_ReplyActionCallsBack()
    {
        var word = FeedSupport.UniqueWord();
        var response = await IntakeHostFixture<TStore>.PostFormAsync(host.Site(ShopKey),
        [
            new("action", "request"), new("page", Page + "?utm=x"), new("name", "Ivan " + word), new("phone", "8 (912) 000-11-22"),
            new("text", "Call me after 6 pm"), new("submit", "Send"),
        ]);

        var record = await RecordAsync(await IntakeHostFixture<TStore>.AcceptedIdAsync(response));
        Assert.Equal("request", record["action"]!.GetValue<string>());
        Assert.Equal(Page + "?utm=x", record["sourceLink"]!.GetValue<string>());
        Assert.Equal("Ivan " + word, record["author"]!["name"]!.GetValue<string>());
        Assert.Equal("+89120001122", record["fields"]!["phone"]!.GetValue<string>());
        Assert.Equal("tel:+89120001122", record["replyAction"]!.GetValue<string>());
        Assert.Equal("Call me after 6 pm", record["text"]!.GetValue<string>());
    }

    [Fact]
    public async Task Key_MissingUnknownOrAnApiKey_401_AndASiteKeyOpensNothingElse()
    {
        var form = new { action = "form", page = Page, text = "hello" };
        foreach (var key in new[] { null, "not-a-site-key-at-all-000", BotFactory.ApiKey })
        {
            var problem = await ProblemAssert.IsProblemAsync(await IntakeHostFixture<TStore>.PostJsonAsync(host.Site(key), form), HttpStatusCode.Unauthorized);
            Assert.Contains("X-Api-Key", problem["detail"]!.GetValue<string>());
        }

        await ProblemAssert.IsProblemAsync(await host.Site(ShopKey).GetAsync("/api/interests", Ct), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await host.Site(ShopKey).GetAsync("/api/export/webhooks", Ct), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ConsoleSignIn_DoesNotStandInForTheSiteKey_401()
    {
        var email = $"intake-{Guid.NewGuid():N}@example.com";
        await host.Factory.Services.GetRequiredService<AgentAccountStore>().UpsertAsync(email, "Admin", AgentRoles.Admin, ["support"], "a-long-enough-password");
        var browser = ConsoleBrowser.Create(host.Factory);
        Assert.Equal(HttpStatusCode.Redirect, (await ConsoleBrowser.SignInAsync(browser, email, "a-long-enough-password")).StatusCode);
        browser.DefaultRequestHeaders.Add("RequestVerificationToken", ConsoleBrowser.AntiforgeryToken(await browser.GetStringAsync("/console/feed", Ct)));

        var response = await IntakeHostFixture<TStore>.PostJsonAsync(browser, new { action = "form", page = Page, text = "signed in" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AnotherSitesKey_RecordsForThatSiteOnly_AndIsRefusedForThisSitesPagesAndOrigin()
    {
        var blog = await RecordAsync(await IntakeHostFixture<TStore>.AcceptedIdAsync(
            await IntakeHostFixture<TStore>.PostJsonAsync(host.Site(BlogKey), new { action = "comment", page = "https://blog.example/post/1", text = "Nice post " + FeedSupport.UniqueWord() })));
        Assert.Equal("blog", blog["channelAccount"]!.GetValue<string>());

        // The shop's key is for the shop's pages only.
        var otherPage = await IntakeHostFixture<TStore>.PostJsonAsync(host.Site(ShopKey), new { action = "comment", page = "https://blog.example/post/1", text = "x" });
        Assert.Contains("page", (await ProblemAssert.IsProblemAsync(otherPage, HttpStatusCode.BadRequest))["errors"]!.AsObject().Select(e => e.Key));

        var fromElsewhere = host.Site(ShopKey);
        fromElsewhere.DefaultRequestHeaders.Add("Origin", "https://evil.example");
        await ProblemAssert.IsProblemAsync(await IntakeHostFixture<TStore>.PostJsonAsync(fromElsewhere, new { action = "comment", page = Page, text = "x" }), HttpStatusCode.Forbidden);

        var fromShop = host.Site(ShopKey);
        fromShop.DefaultRequestHeaders.Add("Origin", IntakeHostFixture<TStore>.ShopOrigin);
        await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(fromShop, new { action = "comment", page = Page, text = "From the shop " + FeedSupport.UniqueWord() }));
    }

    [Fact]
    public async Task BrowserPreflight_FromTheSitesOrigin_AllowsTheKeyHeader()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/intake/form");
        preflight.Headers.Add("Origin", IntakeHostFixture<TStore>.ShopOrigin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");

        var response = await host.Factory.CreateClient().SendAsync(preflight, Ct);

        Assert.True(response.IsSuccessStatusCode, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(IntakeHostFixture<TStore>.ShopOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("x-api-key", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{}""", "action,page")]
    [InlineData("""{"action":"complaint","page":"https://shop.example/a","text":"x"}""", "action")]
    [InlineData("""{"action":"form","page":"javascript:alert(1)","text":"x"}""", "page")]
    [InlineData("""{"action":"form","page":"/relative","text":"x"}""", "page")]
    [InlineData("""{"action":"form","page":"https://shop.example/a","email":"not-an-address","phone":"call me"}""", "email,phone")]
    [InlineData("""{"action":"review","page":"https://shop.example/a","name":"Anna"}""", "text")]
    [InlineData("""{"action":"request","page":"https://shop.example/a","name":"Anna"}""", "phone")]
    [InlineData("""{"action":"form","page":"https://shop.example/a","text":42,"name":["a"]}""", "name,text")]
    [InlineData("""{"action":"form","page":"https://shop.example/a","text":"x","product":"two\nlines"}""", "product")]
    public async Task MissingOrBadField_400_NamingEachField(string json, string fields)
    {
        var response = await host.Site(ShopKey).PostAsync("/api/intake/form", new StringContent(json, Encoding.UTF8, "application/json"), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(fields.Split(','), problem["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(fields.Split(','), field => Assert.Contains(field, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task FormField_GivenTwice_400_NamingIt()
    {
        var response = await IntakeHostFixture<TStore>.PostFormAsync(host.Site(ShopKey), [new("action", "form"), new("action", "review"), new("page", Page), new("text", "x")]);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(["action"], problem["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task Oversized_413_WithOrWithoutContentLength()
    {
        var big = new string('a', 40 * 1024);
        var json = $$"""{"action":"form","page":"{{Page}}","text":"{{big}}"}""";

        await ProblemAssert.IsProblemAsync(
            await host.Site(ShopKey).PostAsync("/api/intake/form", new StringContent(json, Encoding.UTF8, "application/json"), Ct), HttpStatusCode.RequestEntityTooLarge);
        var chunked = new StreamContent(new UnknownLengthStream(Encoding.UTF8.GetBytes(json)));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        await ProblemAssert.IsProblemAsync(await host.Site(ShopKey).PostAsync("/api/intake/form", chunked, Ct), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task MalformedJson_400_WrongContentType_415()
    {
        await ProblemAssert.IsProblemAsync(
            await host.Site(ShopKey).PostAsync("/api/intake/form", new StringContent("""{"action":"form",""", Encoding.UTF8, "application/json"), Ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(
            await host.Site(ShopKey).PostAsync("/api/intake/form", new StringContent("[1,2]", Encoding.UTF8, "application/json"), Ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(
            await host.Site(ShopKey).PostAsync("/api/intake/form", new StringContent("action=form", Encoding.UTF8, "text/plain"), Ct), HttpStatusCode.UnsupportedMediaType);
        var multipart = new MultipartFormDataContent { { new StringContent("form"), "action" } };
        await ProblemAssert.IsProblemAsync(await host.Site(ShopKey).PostAsync("/api/intake/form", multipart, Ct), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task HoneypotFilled_SameAnswer_NothingRecorded()
    {
        var word = FeedSupport.UniqueWord();
        var response = await IntakeHostFixture<TStore>.PostJsonAsync(host.Site(ShopKey), new { action = "form", page = Page, text = "Buy cheap " + word, website = "http://spam.example" });
        var realLooking = await IntakeHostFixture<TStore>.AcceptedIdAsync(response);

        Assert.Matches("^in-[0-9a-f]{24}$", realLooking);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Api().GetAsync("/api/interests/" + realLooking, Ct)).StatusCode);
        var feed = await host.Api().GetFromJsonAsync<JsonObject>($"/api/interests?q={word}", Ct);
        Assert.Empty(feed!["items"]!.AsArray());

        // The same form with the honeypot left empty (as a person's browser sends it) is recorded.
        var kept = await IntakeHostFixture<TStore>.AcceptedIdAsync(
            await IntakeHostFixture<TStore>.PostFormAsync(host.Site(ShopKey), [new("action", "form"), new("page", Page), new("text", "Hello " + word), new("website", "")]));
        Assert.Equal(HttpStatusCode.OK, (await host.Api().GetAsync("/api/interests/" + kept, Ct)).StatusCode);
    }

    [Fact]
    public async Task RateLimit_PerSiteAndAddress_429WithRetryAfter()
    {
        var address = "203.0.113." + Random.Shared.Next(1, 250);
        var tiny = host.Site(IntakeHostFixture<TStore>.TinyKey, address);
        for (var i = 0; i < 3; i++)
        {
            await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(tiny, new { action = "form", page = Page, text = $"try {i} {FeedSupport.UniqueWord()}" }));
        }

        var refused = await IntakeHostFixture<TStore>.PostJsonAsync(tiny, new { action = "form", page = Page, text = "one too many" });

        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, refused.Headers.RetryAfter?.ToString());
        // Another visitor of the same site, and the same visitor on another site, are not held back.
        await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(
            host.Site(IntakeHostFixture<TStore>.TinyKey, "198.51.100.7"), new { action = "form", page = Page, text = "other visitor " + FeedSupport.UniqueWord() }));
        await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(
            host.Site(BlogKey, address), new { action = "form", page = Page, text = "other site " + FeedSupport.UniqueWord() }));
    }

    [Fact]
    public async Task Duplicates_SameIdempotencyKeyOrSameContent_OneRecord()
    {
        var word = FeedSupport.UniqueWord();
        var key = Guid.NewGuid().ToString();
        var site = host.Site(ShopKey);

        var first = await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(site, new { action = "comment", page = Page, text = "Is it gas? " + word }, key));
        var retried = await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(site, new { action = "comment", page = Page, text = "Is it gas? (edited) " + word }, key));
        var doubleClick = await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(site, new { action = "comment", page = Page, text = "Is it gas? " + word }));
        var different = await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(site, new { action = "comment", page = Page, text = "Is it electric? " + word }));

        Assert.Equal(first, retried);
        Assert.Equal(first, doubleClick);
        Assert.NotEqual(first, different);
        var feed = await host.Api().GetFromJsonAsync<JsonObject>($"/api/interests?q={word}", Ct);
        Assert.Equal([different, first], feed!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));

        var badKey = await IntakeHostFixture<TStore>.PostJsonAsync(site, new { action = "comment", page = Page, text = "x" }, new string('k', 300));
        Assert.Equal(["Idempotency-Key"], (await ProblemAssert.IsProblemAsync(badKey, HttpStatusCode.BadRequest))["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task ConfirmationEmail_AskedOncePerNewSubmissionWithAnEmail_OnSitesThatWantIt()
    {
        var word = FeedSupport.UniqueWord();
        var email = word + "@example.org";
        var form = new { action = "form", page = "https://blog.example/contact", name = "Olga", email, text = "Please send the price list " + word };

        var id = await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(host.Site(BlogKey), form));
        await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(host.Site(BlogKey), form)); // a repeat
        await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(host.Site(ShopKey), new { action = "form", page = Page, email, text = "shop " + word })); // shop: off

        var sent = Assert.Single(host.Confirmations.Sent, c => c.Email == email);
        Assert.Equal(id, sent.RecordId);
        Assert.Equal("blog", sent.Site);
        Assert.Equal("Olga", sent.Name);
    }

    [Fact]
    public async Task ConfirmationEmail_OneAddressAtMostThreeADayFromAllSites_EveryFormStillRecorded()
    {
        // Someone types a stranger's address into forms again and again: the stranger gets the default 3 mails, no more.
        var word = FeedSupport.UniqueWord();
        var email = word + "@example.org";
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(
                host.Site(BlogKey, "203.0.113." + (i + 1)), new { action = "form", page = "https://blog.example/contact", email = i % 2 == 0 ? email : email.ToUpperInvariant(), text = $"Question {i} {word}" })));
        }

        Assert.Equal(3, host.Confirmations.Sent.Count(c => string.Equals(c.Email, email, StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(ids.Take(3), host.Confirmations.Sent.Where(c => string.Equals(c.Email, email, StringComparison.OrdinalIgnoreCase)).Select(c => c.RecordId));
        foreach (var id in ids)
        {
            Assert.Equal(word, (await RecordAsync(id))["text"]!.GetValue<string>().Split(' ')[^1]);
        }

        // Another address is not held back by it.
        var other = FeedSupport.UniqueWord() + "@example.org";
        await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(
            host.Site(BlogKey), new { action = "form", page = "https://blog.example/contact", email = other, text = "Hello " + word }));
        Assert.Single(host.Confirmations.Sent, c => c.Email == other);
    }

    [Fact]
    public async Task RateLimit_IPv6ClientCountsByItsSlash64_AnotherPrefixIsNotHeldBack()
    {
        var prefix = $"2001:db8:{Random.Shared.Next(1, 0xffff):x}:{Random.Shared.Next(1, 0xffff):x}";
        for (var i = 1; i <= 3; i++)
        {
            // Each submission from another address of the same /64, as one subscriber can do at will.
            await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(
                host.Site(IntakeHostFixture<TStore>.TinyKey, $"{prefix}::{i:x}"), new { action = "form", page = Page, text = $"v6 try {i} {FeedSupport.UniqueWord()}" }));
        }

        var refused = await IntakeHostFixture<TStore>.PostJsonAsync(
            host.Site(IntakeHostFixture<TStore>.TinyKey, $"{prefix}:abcd:1234:5678:9abc"), new { action = "form", page = Page, text = "fourth " + FeedSupport.UniqueWord() });
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests);

        await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(
            host.Site(IntakeHostFixture<TStore>.TinyKey, $"2001:db8:{Random.Shared.Next(1, 0xffff):x}:{Random.Shared.Next(1, 0xffff):x}::1"),
            new { action = "form", page = Page, text = "another network " + FeedSupport.UniqueWord() }));
    }

    [Fact]
    public async Task ReplyFromTheFeed_Refused409_SayingHowToAnswerAWebForm()
    {
        var id = await IntakeHostFixture<TStore>.AcceptedIdAsync(await IntakeHostFixture<TStore>.PostJsonAsync(
            host.Site(ShopKey), new { action = "request", page = Page, phone = "+49 30 1234567", text = "Call me " + FeedSupport.UniqueWord() }));
        var agent = host.Api();
        agent.DefaultRequestHeaders.Add("X-Agent-Id", "olga");

        var reply = await agent.PostAsJsonAsync($"/api/interests/{id}/reply", new { text = "Hello" }, Ct);

        Assert.Contains("call back", (await ProblemAssert.IsProblemAsync(reply, HttpStatusCode.Conflict))["detail"]!.GetValue<string>());
    }

    private async Task<JsonObject> RecordAsync(string id) => (await host.Api().GetFromJsonAsync<JsonObject>("/api/interests/" + id, Ct))!;

    private async Task<int> WebsiteCountAsync()
    {
        var summary = await host.Api().GetFromJsonAsync<JsonObject>("/api/reports/summary?groupBy=source", Ct);
        return summary!["groups"]!.AsArray().Where(g => g!["key"]!.GetValue<string>() == "website").Select(g => g!["count"]!.GetValue<int>()).SingleOrDefault();
    }

    /// <summary>A body the client cannot measure, so it goes chunked without a Content-Length.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
