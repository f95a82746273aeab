using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using SupportBot.Customers;
using SupportBot.FunctionalTests.Infrastructure;

namespace SupportBot.FunctionalTests.Customers;

public sealed class CustomerStoreOnRedisTests(RedisServerFixture store) : CustomerStoreTests(store), IClassFixture<RedisServerFixture>;

public sealed class CustomerStoreOnGarnetTests(GarnetFixture store) : CustomerStoreTests(store), IClassFixture<GarnetFixture>;

/// <summary>The customer store on a clean database and a fake clock: linking, merging and editing as agents see it.</summary>
public abstract class CustomerStoreTests(IStore server) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private ConnectionMultiplexer? _redis;

    protected FakeTimeProvider Clock { get; } = new(Start);

    protected CustomerStore Store { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        await _redis.GetServer(_redis.GetEndPoints()[0]).FlushDatabaseAsync();
        Store = new CustomerStore(_redis, Options.Create(new CustomersOptions()), Clock);
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    private Task<string> SeenAsync(string type, string user, string conversation, string record, string? name = null, string? email = null, string? phone = null, bool request = false, int minutes = 0, bool proven = false) =>
        Store.LinkAsync(new CustomerSighting
        {
            SourceType = type,
            UserId = user,
            ConversationId = conversation,
            RecordId = record,
            At = Start.AddMinutes(minutes),
            Name = name,
            NameFromRequest = request,
            Email = email,
            Phone = phone,
            ContactsProven = proven,
            ProfileUrl = type == "telegram" ? "https://t.me/" + user : null,
        });

    [Fact]
    public async Task FirstMessage_CreatesNewCustomer_SecondMessageFindsThem()
    {
        var id = await SeenAsync("webchat", "u1", "webchat:c1", "in-1", name: "Visitor");
        var again = await SeenAsync("webchat", "u1", "webchat:c1", "in-2", minutes: 5);

        Assert.Equal(id, again);
        var customer = (await Store.GetAsync(id))!;
        Assert.Equal("new", customer.Status);
        Assert.Equal("new", customer.Stage);
        Assert.Equal("Visitor", customer.Name);
        Assert.Equal("webchat:u1", Assert.Single(customer.Identities).Id);
        Assert.Equal(2, customer.RecordCount);
        Assert.Equal(Start, customer.FirstSeen);
        Assert.Equal(Start.AddMinutes(5), customer.LastSeen);
    }

    [Fact]
    public async Task SameProvenEmailOnAnotherChannel_OnePersonWithBothIdentities()
    {
        var web = await SeenAsync("webchat", "u1", "webchat:c1", "in-1");
        await SeenAsync("webchat", "u1", "webchat:c1", "req-1", name: "Alice", email: " Alice@Example.COM ", request: true, minutes: 1, proven: true);
        var telegram = await SeenAsync("telegram", "42", "telegram:42", "in-2", name: "alice_t", minutes: 2);
        Assert.NotEqual(web, telegram);

        var linked = await SeenAsync("telegram", "42", "telegram:42", "req-2", name: "Alice", email: "alice@example.com", request: true, minutes: 3, proven: true);

        Assert.Equal(web, linked);
        var customer = (await Store.GetAsync(web))!;
        Assert.Equal(["telegram:42", "webchat:u1"], customer.Identities.Select(i => i.Id));
        Assert.Equal("https://t.me/42", customer.Identities[0].ProfileUrl);
        Assert.Equal("alice_t", customer.Identities[0].Name); // as the channel shows them, not the name given in the request
        Assert.Equal("Alice", customer.Name);
        Assert.Equal(["alice@example.com"], customer.Emails);
        Assert.Equal(4, customer.RecordCount);
        Assert.Equal(web, await Store.FindByConversationAsync("telegram:42"));
        Assert.Equal(web, await Store.ResolveAsync(telegram));
    }

    [Fact]
    public async Task ProvenPhoneGivenTwice_NormalisedAndLinked()
    {
        var a = await SeenAsync("vk", "7", "vk:7", "r1", phone: "+7 (999) 123-45-67", proven: true);
        var b = await SeenAsync("telegram", "8", "telegram:8", "r2", phone: "7 999 1234567", proven: true);
        Assert.Equal(a, b);
        Assert.Equal(["+79991234567"], (await Store.GetAsync(a))!.Phones);
    }

    [Fact]
    public async Task ClaimedEmailOrPhone_NeverLinksIntoAnotherCustomer_BothCardsListEachOtherAsPossibleDuplicates()
    {
        // Alice wrote from her own address (proven); a stranger types it into a chat request, and her phone into a form.
        var alice = await SeenAsync("email", "alice@example.com", "email:shop:a1", "in-1", name: "Alice", email: "alice@example.com", phone: "+7 999 000-11-22", proven: true);
        var stranger = await SeenAsync("webchat", "u9", "webchat:c9", "req-9", name: "Alice", email: "Alice@example.com", request: true, minutes: 1);
        var former = await SeenAsync("website", "+79990001122", "website:shop:f1", "form-1", phone: "+79990001122", minutes: 2);

        Assert.NotEqual(alice, stranger);
        Assert.NotEqual(alice, former);
        var card = (await Store.GetAsync(alice))!;
        Assert.Equal(1, card.RecordCount); // nothing of theirs on her card
        Assert.Equal(["email:alice@example.com"], card.Identities.Select(i => i.Id));
        Assert.Equal([new CustomerMatch(former, null, "+79990001122"), new CustomerMatch(stranger, "Alice", "alice@example.com")],
            card.PossibleDuplicates.OrderBy(m => m.Shared, StringComparer.Ordinal));
        var theirs = (await Store.GetAsync(stranger))!;
        Assert.Equal(1, theirs.RecordCount); // and nothing of hers on theirs
        Assert.Equal(["alice@example.com"], theirs.Emails); // shown to the agent as given
        Assert.Equal(alice, Assert.Single(theirs.PossibleDuplicates).Id);
        Assert.Equal(alice, await Store.FindByEmailAsync("alice@example.com"));

        // Claiming first does not capture the owner either: her proven address later does not link into the claimant.
        var early = await SeenAsync("webchat", "u10", "webchat:c10", "req-10", email: "bob@example.com", request: true, minutes: 3);
        var bob = await SeenAsync("email", "bob@example.com", "email:shop:b1", "in-2", email: "bob@example.com", minutes: 4, proven: true);
        Assert.NotEqual(early, bob);
        Assert.Equal(bob, await Store.FindByEmailAsync("bob@example.com"));

        // An agent who knows it is one person merges them; the proven address still leads to the merged customer.
        Assert.Equal(MergeOutcome.Merged, (await Store.MergeAsync(bob, early)).Outcome);
        Assert.Equal(bob, await Store.FindByEmailAsync("bob@example.com"));
        Assert.Empty((await Store.GetAsync(bob))!.PossibleDuplicates);
    }

    [Fact]
    public async Task Search_ByNameWordEmailOrPhonePrefix()
    {
        var id = await SeenAsync("webchat", "u1", "webchat:c1", "r1", name: "Анна Petrova", email: "anna@example.com", phone: "+44 20 7946 0958", request: true);
        await SeenAsync("webchat", "u2", "webchat:c2", "r2", name: "Boris");

        Assert.Equal(id, Assert.Single(await Store.SearchAsync("анна", 20)).Id);
        Assert.Equal(id, Assert.Single(await Store.SearchAsync("petr", 20)).Id);
        Assert.Equal(id, Assert.Single(await Store.SearchAsync("ANNA@ex", 20)).Id);
        Assert.Equal(id, Assert.Single(await Store.SearchAsync("+44 20", 20)).Id);
        Assert.Equal(id, Assert.Single(await Store.SearchAsync("4420", 20)).Id);
        Assert.Empty(await Store.SearchAsync("zz", 20));
    }

    [Fact]
    public async Task AgentRenames_SearchFollowsAndRequestNameNoLongerOverrides()
    {
        var id = await SeenAsync("webchat", "u1", "webchat:c1", "r1", name: "Visitor");
        Assert.Equal(CustomerChange.Done, await Store.UpdateAsync(id, name: "Zoe Quinn"));
        await SeenAsync("webchat", "u1", "webchat:c1", "r2", name: "Z", request: true);

        Assert.Equal("Zoe Quinn", (await Store.GetAsync(id))!.Name);
        Assert.Empty(await Store.SearchAsync("visitor", 20));
        Assert.Single(await Store.SearchAsync("quinn", 20));
    }

    [Fact]
    public async Task Merge_MovesEverything_OtherIdLeadsToTarget()
    {
        var a = await SeenAsync("webchat", "u1", "webchat:c1", "r1", name: "Alice", email: "a@example.com", request: true);
        var b = await SeenAsync("telegram", "42", "telegram:42", "r2", name: "Al", phone: "+15550001111", minutes: -10);
        await Store.UpdateAsync(b, status: "lead", stage: "qualified", tags: ["vip"]);
        await Store.AddNoteAsync(b, "olga", "Called, wants a kettle");
        await Store.UpdateAsync(a, tags: ["kettles"]);

        var (outcome, live) = await Store.MergeAsync(a, b);

        Assert.Equal(MergeOutcome.Merged, outcome);
        Assert.Equal(a, live);
        var merged = (await Store.GetAsync(b))!;
        Assert.Equal(a, merged.Id);
        Assert.Equal("Alice", merged.Name);
        Assert.Equal("lead", merged.Status);
        Assert.Equal("qualified", merged.Stage);
        Assert.Equal(["kettles", "vip"], merged.Tags);
        Assert.Equal("Called, wants a kettle", Assert.Single(merged.Notes).Text);
        Assert.Equal(2, merged.Identities.Count);
        Assert.Equal(["+15550001111"], merged.Phones);
        Assert.Equal(Start.AddMinutes(-10), merged.FirstSeen);
        Assert.Equal(a, await Store.FindByIdentityAsync("telegram", "42"));
        Assert.Equal(a, Assert.Single(await Store.SearchAsync("+1555", 20)).Id);
        Assert.Equal(["r1", "r2"], (await Store.RecordIdsAsync(b, 1, 10))!.Value.Ids);
        Assert.Equal(MergeOutcome.Same, (await Store.MergeAsync(a, b)).Outcome);
    }

    [Fact]
    public async Task AgentReply_MakesNewCustomerContacted_BotReplyDoesNot()
    {
        var id = await SeenAsync("webchat", "u1", "webchat:c1", "r1");
        await Store.AddConversationRecordAsync("webchat:c1", "out-1", Start.AddMinutes(1), byAgent: false);
        Assert.Equal("new", (await Store.GetAsync(id))!.Status);

        await Store.AddConversationRecordAsync("webchat:c1", "out-2", Start.AddMinutes(2), byAgent: true);
        var customer = (await Store.GetAsync(id))!;
        Assert.Equal("contacted", customer.Status);
        Assert.Equal(["out-2", "out-1", "r1"], (await Store.RecordIdsAsync(id, 1, 10))!.Value.Ids);
    }

    [Fact]
    public async Task ChannelBlocks_ByIdentity()
    {
        var id = await SeenAsync("telegram", "42", "telegram:42", "r1");
        Assert.Equal(CustomerChange.Done, await Store.SetStatusByIdentityAsync("telegram", "42", CustomerStatus.Blocked));
        Assert.Equal("blocked", (await Store.GetAsync(id))!.Status);
        Assert.Equal(CustomerChange.NotFound, await Store.SetStatusByIdentityAsync("telegram", "43", CustomerStatus.Blocked));
    }

    [Fact]
    public async Task ManySightingsAtOnce_OfOneEmail_EndAsOneCustomer()
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            SeenAsync(i % 2 == 0 ? "webchat" : "telegram", "u" + i, "conv:" + i, "r" + i, email: "same@example.com", proven: true)));
        var live = await Task.WhenAll(ids.Select(Store.ResolveAsync));
        var one = Assert.Single(live.Distinct());
        Assert.Equal(12, (await Store.GetAsync(one!))!.Identities.Count);
    }
}
