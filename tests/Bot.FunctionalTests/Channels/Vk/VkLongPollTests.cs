using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.Channels.Vk;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Interests;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Channels.Vk;

/// <summary>Bots Long Poll (the <c>dev</c> community), the token bucket and start-up validation, on a real Redis.</summary>
public sealed class VkLongPollTests(VkHostFixture<RedisServerFixture> host) : IClassFixture<VkHostFixture<RedisServerFixture>>
{
    private readonly VkApiStandIn _vk = host.Vk;

    [Fact]
    public async Task LongPoll_FailedCodesHandledAndEventsReceivedAndAnswered()
    {
        var first = await WaitForRequestAsync(r => r.Key.Length > 0);
        var serversBefore = _vk.CallsOf("groups.getLongPollServer").Count();

        // failed:2 — the key expired: a new key, the same ts.
        _vk.LongPollAnswer("""{"failed":2}""");
        var renewed = await WaitForRequestAsync(r => r.Key != first.Key);
        Assert.Equal(first.Ts, renewed.Ts);
        Assert.True(_vk.CallsOf("groups.getLongPollServer").Count() > serversBefore);
        Assert.All(_vk.CallsOf("groups.getLongPollServer"), c => Assert.Equal("3003", c["group_id"]));

        // An update, shaped like the Bots Long Poll documentation's.
        var user = VkHostFixture<RedisServerFixture>.NewUserId();
        var eventId = VkHostFixture<RedisServerFixture>.NewEventId();
        var update = VkHostFixture<RedisServerFixture>.Event("message_new", VkChannelTests<RedisServerFixture>.Message(user, "How long does delivery take?"), eventId, VkHostFixture<RedisServerFixture>.DevGroup);
        _vk.LongPollAnswer(new JsonObject { ["ts"] = "101", ["updates"] = new JsonArray(update) }.ToJsonString());
        await WaitForRequestAsync(r => r.Ts == "101");
        var peer = user.ToString(CultureInfo.InvariantCulture);
        var sends = await VkHostFixture<RedisServerFixture>.EventuallyAsync(
            () => Task.FromResult(_vk.CallsOf("messages.send").Where(c => c["peer_id"] == peer).ToList()),
            s => s.Any(c => c["message"].Contains("2–4 working days")));
        Assert.Contains(sends, c => c["message"].Contains("2–4 working days"));
        Assert.All(sends, c => Assert.Equal("vk1.a.dev-token", c["access_token"]));
        var record = await host.Interests.GetAsync(InterestLog.RecordId("in", $"vk:dev:{user}", eventId));
        Assert.Equal("dev", record?.ChannelAccount);

        // failed:1 — history lost: carry on from the ts given.
        _vk.LongPollAnswer("""{"failed":1,"ts":205}""");
        await WaitForRequestAsync(r => r.Ts == "205");

        // failed:3 — information lost: a new key and a new ts.
        var key = _vk.CurrentKey;
        _vk.LongPollAnswer("""{"failed":3}""");
        var restarted = await WaitForRequestAsync(r => r.Key != key);
        Assert.Equal("100", restarted.Ts);
    }

    [Fact]
    public async Task TokenBucket_45CallsAtOnce_NoMoreThan20PerSecondAndNoneRefused()
    {
        var api = host.Factory.Services.GetRequiredService<VkApiClient>();
        var options = host.Factory.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VkOptions>>().Value;
        var brand = options.Find("brand2")!;
        var clock = Stopwatch.StartNew();

        await Task.WhenAll(Enumerable.Range(0, 45).Select(i => api.CallAsync(brand, "utils.getServerTime", [new("n", i.ToString(CultureInfo.InvariantCulture))], Ct)));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.8), $"45 calls took only {clock.Elapsed}");
        var times = _vk.CallsOf("utils.getServerTime").Select(c => c.ReceivedAt).Order().ToList();
        Assert.Equal(45, times.Count);
        for (var i = 0; i + 20 < times.Count; i++)
        {
            Assert.True(times[i + 20] - times[i] >= TimeSpan.FromMilliseconds(900), $"calls {i}..{i + 20} within {times[i + 20] - times[i]}");
        }
    }

    [Theory]
    [InlineData("GroupId", "0", "Channels:Vk:Communities:0:GroupId")]
    [InlineData("Mode", "push", "Channels:Vk:Communities:0:Mode")]
    [InlineData("Name", "with space", "Channels:Vk:Communities:0:Name")]
    [InlineData("ApiBaseUrl", "not a url", "Channels:Vk:Communities:0:ApiBaseUrl")]
    [InlineData("Secret", "", "Channels:Vk:Communities:0:Secret")]
    public async Task Start_BadCommunitySetting_FailsNamingThePath(string key, string value, string path)
    {
        var workDir = Directory.CreateTempSubdirectory("sb-vk-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
            ["Channels__Vk__Communities__0__Name"] = "shop",
            ["Channels__Vk__Communities__0__GroupId"] = "1001",
            ["Channels__Vk__Communities__0__Token"] = "t",
            ["Channels__Vk__Communities__0__ConfirmationCode"] = "c",
            ["Channels__Vk__Communities__0__Secret"] = "s",
        };
        settings["Channels__Vk__Communities__0__" + key] = value;
        await using var bot = BotProcess.Start(workDir, settings);

        // The host stops at once with one line that names the setting.
        Assert.Equal(1, await bot.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        var line = Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(path, line, StringComparison.Ordinal);
    }

    private async Task<(string Key, string Ts)> WaitForRequestAsync(Func<(string Key, string Ts), bool> match)
    {
        var seen = await VkHostFixture<RedisServerFixture>.EventuallyAsync(() => Task.FromResult(_vk.LongPollRequests.ToList()), list => list.Any(match), 15_000);
        Assert.Contains(seen, r => match(r));
        return seen.Last(r => match(r));
    }
}
