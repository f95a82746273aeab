using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.FunctionalTests.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Export;

public sealed class DeliveryHostFixture<TStore>() : ExportHostFixture<TStore>(maxAttempts: 1000) where TStore : IStore, IAsyncLifetime, new();

public sealed class WebhookDeliveryOnRedisTests(DeliveryHostFixture<RedisServerFixture> host)
    : WebhookDeliveryTests<RedisServerFixture>(host), IClassFixture<DeliveryHostFixture<RedisServerFixture>>;

public sealed class WebhookDeliveryOnGarnetTests(DeliveryHostFixture<GarnetFixture> host)
    : WebhookDeliveryTests<GarnetFixture>(host), IClassFixture<DeliveryHostFixture<GarnetFixture>>;

/// <summary>An external CRM hears of every new and changed record, signed, and gets what it missed while it was down.</summary>
public abstract class WebhookDeliveryTests<TStore>(ExportHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    private readonly FeedSupport _feed = new(host.Factory);

    [Fact]
    public async Task NewRecord_ArrivesSigned_TheSignatureVerifiesOverTheExactBody()
    {
        var record = await _feed.SeedAsync("Do you ship to Kazan? " + FeedSupport.UniqueWord(), product: "Grill 2000");

        var delivery = (await Eventually.ReceivedAsync(host.Receiver, r => r.RecordId == record.Id, "the new record at the receiver")).Single();

        Assert.Equal(WebhookReceiver.ExpectedSignature(delivery.Body), delivery.Signature);
        Assert.NotEqual(WebhookReceiver.ExpectedSignature([.. delivery.Body, (byte)' ']), delivery.Signature);
        var json = delivery.Json;
        Assert.Equal(delivery.Id, json["id"]!.GetValue<string>());
        Assert.Equal("interest.created", delivery.Event);
        Assert.Equal("interest.created", json["type"]!.GetValue<string>());
        Assert.Equal("crm", json["webhook"]!.GetValue<string>());
        Assert.True(long.Parse(delivery.Timestamp!, System.Globalization.CultureInfo.InvariantCulture) > 1_700_000_000);
        Assert.Equal(record.Text, json["record"]!["text"]!.GetValue<string>());
        Assert.Equal("Grill 2000", json["record"]!["product"]!.GetValue<string>());
        Assert.Equal("telegram", json["record"]!["sourceType"]!.GetValue<string>());

        var (crm, _) = await Eventually.UntilAsync(() => ExportHostFixture<TStore>.StatusAsync(host.Factory), s => s.Crm["delivered"]!.GetValue<long>() > 0, "the delivered count");
        Assert.Equal($"http://127.0.0.1:{host.Receiver.Port}/hooks/support", crm["url"]!.GetValue<string>()); // the query (it may hold a token) is not shown
        Assert.Equal(["interest.created", "interest.changed"], crm["events"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task RecordTaken_TheChangeArrives_NamingWhatChanged()
    {
        var record = await _feed.SeedAsync("Please call me " + FeedSupport.UniqueWord());
        await Eventually.ReceivedAsync(host.Receiver, r => r.RecordId == record.Id, "the new record");

        var taken = await ExportHostFixture<TStore>.Api(host.Factory, "olga").PostAsync($"/api/interests/{record.Id}/take", null, Ct);
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);

        var change = (await Eventually.ReceivedAsync(host.Receiver, r => r.RecordId == record.Id && r.Event == "interest.changed", "the change")).Single().Json;
        Assert.Equal("agent:olga", change["record"]!["responsible"]!.GetValue<string>());
        Assert.Contains("responsible", change["changes"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.True(change["occurredAt"]!.GetValue<DateTimeOffset>() >= record.Date);
    }

    [Fact]
    public async Task ReceiverDown_Retried_ArrivesOnceItIsBack()
    {
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        await host.Receiver.StopAsync();
        try
        {
            var record = await _feed.SeedAsync("Where is my order? " + FeedSupport.UniqueWord());

            var (crm, _) = await Eventually.UntilAsync(
                () => ExportHostFixture<TStore>.StatusAsync(host.Factory),
                s => s.Crm["lastErrorAt"]?.GetValue<DateTimeOffset>() > since,
                "a failed round while the receiver is down");
            Assert.False(string.IsNullOrEmpty(crm["lastError"]!.GetValue<string>()));
            Assert.True(crm["pending"]!.GetValue<long>() >= 1);
            Assert.DoesNotContain(host.Receiver.Received, r => r.RecordId == record.Id);

            await host.Receiver.StartAsync();

            var delivery = (await Eventually.ReceivedAsync(host.Receiver, r => r.RecordId == record.Id, "the record after the receiver came back")).Single();
            Assert.Equal(WebhookReceiver.ExpectedSignature(delivery.Body), delivery.Signature);
            await Eventually.UntilAsync(() => ExportHostFixture<TStore>.StatusAsync(host.Factory), s => s.Status["pending"]!.GetValue<long>() == 0, "nothing left to deliver");
        }
        finally
        {
            if (!host.Receiver.Running)
            {
                await host.Receiver.StartAsync();
            }
        }
    }
}
