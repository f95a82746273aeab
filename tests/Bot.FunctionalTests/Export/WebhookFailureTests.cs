using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.FunctionalTests.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Export;

public sealed class FailureHostFixture<TStore>() : ExportHostFixture<TStore>(maxAttempts: 2) where TStore : IStore, IAsyncLifetime, new();

public sealed class WebhookFailureOnRedisTests(FailureHostFixture<RedisServerFixture> host)
    : WebhookFailureTests<RedisServerFixture>(host), IClassFixture<FailureHostFixture<RedisServerFixture>>;

public sealed class WebhookFailureOnGarnetTests(FailureHostFixture<GarnetFixture> host)
    : WebhookFailureTests<GarnetFixture>(host), IClassFixture<FailureHostFixture<GarnetFixture>>;

/// <summary>A receiver that keeps refusing: after the last round the delivery is kept, listed and counted, and can be sent again.</summary>
public abstract class WebhookFailureTests<TStore>(ExportHostFixture<TStore> host) where TStore : IStore, IAsyncLifetime, new()
{
    private readonly FeedSupport _feed = new(host.Factory);

    [Fact]
    public async Task KeepsFailing_KeptAsAFailedDelivery_Listed_ThenRetriedByHand_Arrives()
    {
        var word = FeedSupport.UniqueWord();
        var refusing = 1;
        host.Receiver.Answer = body => Volatile.Read(ref refusing) == 1 && body["record"]!["text"]!.GetValue<string>().Contains(word, StringComparison.Ordinal) ? 500 : 200;
        var record = await _feed.SeedAsync("Refused " + word);
        var api = ExportHostFixture<TStore>.Api(host.Factory);

        var failure = await Eventually.UntilAsync(
            async () => (await api.GetFromJsonAsync<JsonObject>("/api/export/webhooks/failures", Ct))!["items"]!.AsArray().FirstOrDefault(i => i!["recordId"]!.GetValue<string>() == record.Id),
            f => f is not null, "the failed delivery in the list");
        Assert.Equal("crm", failure!["webhook"]!.GetValue<string>());
        Assert.Equal("interest.created", failure["type"]!.GetValue<string>());
        Assert.Equal(2, failure["attempts"]!.GetValue<int>());
        Assert.Contains("500", failure["lastError"]!.GetValue<string>());
        var (crm, status) = await ExportHostFixture<TStore>.StatusAsync(host.Factory);
        Assert.True(crm["failed"]!.GetValue<long>() >= 1);
        Assert.True(status["failed"]!.GetValue<long>() >= 1);
        var id = failure["id"]!.GetValue<string>();
        var refusedSoFar = host.Receiver.Received.Count(r => r.Id == id);
        Assert.Equal(4, refusedSoFar); // two rounds of a try and a quick retry each, and nothing after the last

        Volatile.Write(ref refusing, 0); // the receiver is fixed
        var retry = await api.PostAsync($"/api/export/webhooks/failures/{id}/retry", null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        var arrived = await Eventually.ReceivedAsync(host.Receiver, r => r.Id == id, "the retried delivery", count: refusedSoFar + 1);
        Assert.Equal(WebhookReceiver.ExpectedSignature(arrived[^1].Body), arrived[^1].Signature);
        Assert.Equal(arrived[0].Body, arrived[^1].Body); // the same event, byte for byte
        await Eventually.UntilAsync(
            async () => (await api.GetFromJsonAsync<JsonObject>("/api/export/webhooks/failures", Ct))!["items"]!.AsArray().Any(i => i!["id"]!.GetValue<string>() == id),
            listed => !listed, "the delivery to leave the failed list");
        await ProblemAssert.IsProblemAsync(await api.PostAsync($"/api/export/webhooks/failures/{id}/retry", null, Ct), HttpStatusCode.NotFound); // not failed any more
    }

    [Fact]
    public async Task FailuresApi_BadInput_ProblemDetails()
    {
        var api = ExportHostFixture<TStore>.Api(host.Factory);

        await ProblemAssert.IsProblemAsync(await api.PostAsync("/api/export/webhooks/failures/not-an-id/retry", null, Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await api.PostAsync($"/api/export/webhooks/failures/{new string('a', 32)}/retry", null, Ct), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblemAsync(await api.GetAsync("/api/export/webhooks/failures?limit=0", Ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await host.Factory.CreateClient().GetAsync("/api/export/webhooks/failures", Ct), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await host.Factory.CreateClient().PostAsync($"/api/export/webhooks/failures/{new string('a', 32)}/retry", null, Ct), HttpStatusCode.Unauthorized);
    }
}
