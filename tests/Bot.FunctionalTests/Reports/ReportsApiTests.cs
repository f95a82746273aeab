using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Handoff;
using SupportBot.Interests;
using SupportBot.Reports;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Reports;

public sealed class ReportsApiOnRedisTests(ReportsHostFixture<RedisServerFixture> host)
    : ReportsApiTests(host.Factory), IClassFixture<ReportsHostFixture<RedisServerFixture>>;

public sealed class ReportsApiOnGarnetTests(ReportsHostFixture<GarnetFixture> host)
    : ReportsApiTests(host.Factory), IClassFixture<ReportsHostFixture<GarnetFixture>>;

/// <summary>
/// What a supervisor reads in the reports: records written through the host's interest log (and a real
/// website chat) counted per day in the configured zone, grouped, over weeks and months, with processed rates.
/// Each test uses a month of its own in the past, so the tests of one host do not see each other's records.
/// </summary>
public abstract class ReportsApiTests(BotFactory factory) : IAsyncDisposable
{
    private readonly HttpClient _api = ApiClient(factory);
    private readonly List<AgentTestClient> _agents = [];

    private static HttpClient ApiClient(BotFactory factory, string? key = BotFactory.ApiKey)
    {
        var client = factory.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    private InterestLog Log => factory.Services.GetRequiredService<InterestLog>();

    [Fact]
    public async Task Summary_RecordsOfAMonth_CountedBySourceActionAndProduct_WithProcessed_RepliesLeftOut()
    {
        await AppendAsync(
            Record("2020-03-02T10:00:00Z", "telegram", "message", "kettle", processed: true),
            Record("2020-03-05T10:00:00Z", "telegram", "comment", "kettle"),
            Record("2020-03-09T10:00:00Z", "vk", "message", "toaster", processed: true),
            Record("2020-03-31T12:00:00Z", "telegram", "message", null, processed: true),
            Record("2020-03-31T12:00:01Z", "telegram", "message", "kettle", processed: true, direction: "out"),
            Record("2020-04-01T12:00:00Z", "telegram", "message", "kettle"));

        var bySource = await GetAsync("/api/reports/summary?from=2020-03-01&to=2020-03-31&groupBy=source");

        Assert.Equal(["total", "groups"], bySource.Select(p => p.Key).Take(2));
        Assert.Equal(4, bySource["total"]!.GetValue<long>());
        Assert.Equal(3, bySource["processed"]!.GetValue<long>());
        Assert.Equal(0.75, bySource["processedRate"]!.GetValue<double>());
        Assert.Equal([("telegram", 3L, 2L), ("vk", 1L, 1L)], Groups(bySource));
        Assert.Equal(["key", "count", "processed"], bySource["groups"]![0]!.AsObject().Select(p => p.Key).Take(3));

        var byAction = await GetAsync("/api/reports/summary?from=2020-03-01&to=2020-03-31&groupBy=action");
        Assert.Equal([("message", 3L, 3L), ("comment", 1L, 0L)], Groups(byAction));

        var byProduct = await GetAsync("/api/reports/summary?from=2020-03-01&to=2020-03-31&groupBy=product");
        Assert.Equal([("kettle", 2L, 1L), ("toaster", 1L, 1L)], Groups(byProduct));

        // Ranges that start or end inside a week or a month count exactly their days.
        var across = await GetAsync("/api/reports/summary?from=2020-03-03&to=2020-04-01");
        Assert.Equal((4L, 2L), (across["total"]!.GetValue<long>(), across["processed"]!.GetValue<long>()));
        Assert.Equal(2, (await GetAsync("/api/reports/summary?from=2020-02-15&to=2020-03-08"))["total"]!.GetValue<long>());
        Assert.Equal(5, (await GetAsync("/api/reports/summary?from=2019-12-01&to=2020-06-30"))["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Processed_LaterOn_CountsInTheRecordsOwnDay()
    {
        var question = Record("2021-05-03T09:00:00Z", "email", "request", "kettle");
        await AppendAsync(question);
        var before = await GetAsync("/api/reports/summary?from=2021-05-03&to=2021-05-03");
        Assert.Equal([("email", 1L, 0L)], Groups(before));

        // What the interest log tells its observers when an agent marks the record processed days later.
        var done = question with { Processed = true, ProcessedAt = DateTimeOffset.Parse("2021-05-06T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), ProcessedBy = "agent:anna" };
        foreach (var observer in factory.Services.GetServices<IInterestObserver>())
        {
            await observer.RecordChangedAsync(question, done);
        }

        var after = await GetAsync("/api/reports/summary?from=2021-05-01&to=2021-05-31");
        Assert.Equal([("email", 1L, 1L)], Groups(after));
        Assert.Equal(1.0, after["processedRate"]!.GetValue<double>());
        var timeline = await GetAsync("/api/reports/timeline?from=2021-05-01&to=2021-05-31&period=day");
        Assert.Equal(1, Series(timeline, "email").Processed[2]); // May 3rd, not the 6th
        Assert.Equal(1, timeline["processed"]!.AsArray().Sum(v => v!.GetValue<long>()));
    }

    [Fact]
    public async Task DayBoundary_2330Utc_IsTheNextDayInMoscow()
    {
        await AppendAsync(Record("2021-06-10T23:30:00Z", "webchat", "message", null));

        var tenth = await GetAsync("/api/reports/summary?from=2021-06-10&to=2021-06-10");
        var eleventh = await GetAsync("/api/reports/summary?from=2021-06-11&to=2021-06-11");

        Assert.Equal(0, tenth["total"]!.GetValue<long>());
        Assert.Equal(1, eleventh["total"]!.GetValue<long>());
        Assert.Equal("Europe/Moscow", eleventh["timeZone"]!.GetValue<string>());
        // A date-time is read in the zone too: 20:59 UTC on the 10th is still the 10th in Moscow, 21:00 is the 11th.
        Assert.Equal(0, (await GetAsync("/api/reports/summary?from=2021-06-10T00:00:00Z&to=2021-06-10T20:59:00Z"))["total"]!.GetValue<long>());
        Assert.Equal(1, (await GetAsync("/api/reports/summary?from=2021-06-10T21:00:00Z&to=2021-06-10T21:00:00Z"))["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Timeline_ByWeek_StartsOnMonday_ByMonth_PerCalendarMonth()
    {
        await AppendAsync(
            Record("2021-02-07T10:00:00Z", "telegram", "message", null, processed: true), // Sunday: the week of Monday Feb 1st
            Record("2021-02-08T10:00:00Z", "telegram", "message", null),                  // Monday: a new week
            Record("2021-02-08T11:00:00Z", "vk", "comment", null, processed: true),
            Record("2021-02-28T10:00:00Z", "vk", "message", null),                        // Sunday, last of February
            Record("2021-03-01T10:00:00Z", "vk", "message", null, processed: true));      // Monday, first of March

        var weeks = await GetAsync("/api/reports/timeline?from=2021-02-01&to=2021-03-07&groupBy=source&period=week");
        Assert.Equal(["2021-02-01", "2021-02-08", "2021-02-15", "2021-02-22", "2021-03-01"], Strings(weeks["periods"]));
        Assert.Equal([1L, 2, 0, 1, 1], Longs(weeks["totals"]));
        Assert.Equal([1L, 1, 0, 0, 1], Longs(weeks["processed"]));
        Assert.Equal([1.0, 0.5, null, 0.0, 1.0], weeks["processedRate"]!.AsArray().Select(v => v?.GetValue<double>()));
        AssertSeries(weeks, "telegram", [1L, 1, 0, 0, 0], [1L, 0, 0, 0, 0]);
        AssertSeries(weeks, "vk", [0L, 1, 0, 1, 1], [0L, 1, 0, 0, 1]);

        var months = await GetAsync("/api/reports/timeline?from=2021-02-01&to=2021-03-31&groupBy=action&period=month");
        Assert.Equal(["2021-02-01", "2021-03-01"], Strings(months["periods"]));
        Assert.Equal([4L, 1], Longs(months["totals"]));
        AssertSeries(months, "message", [3L, 1], [1L, 1]);
        AssertSeries(months, "comment", [1L, 0], [1L, 0]);

        // Partial first and last periods: labelled by their period's start, counting only the days asked for.
        var partialWeeks = await GetAsync("/api/reports/timeline?from=2021-02-08&to=2021-03-01&period=week");
        Assert.Equal(["2021-02-08", "2021-02-15", "2021-02-22", "2021-03-01"], Strings(partialWeeks["periods"]));
        Assert.Equal([2L, 0, 1, 1], Longs(partialWeeks["totals"]));
        var partialMonths = await GetAsync("/api/reports/timeline?from=2021-02-08&to=2021-03-01&period=month");
        Assert.Equal([3L, 1], Longs(partialMonths["totals"]));
        var days = await GetAsync("/api/reports/timeline?from=2021-02-27&to=2021-03-01&period=day&groupBy=source");
        Assert.Equal(["2021-02-27", "2021-02-28", "2021-03-01"], Strings(days["periods"]));
        AssertSeries(days, "vk", [0L, 1, 1], [0L, 0, 1]);
    }

    [Fact]
    public async Task WebChatQuestion_AnsweredByTheBot_CountsTodayAsProcessed()
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(ReportsHostFixture<GarnetFixture>.TimeZone)).DateTime);
        var url = $"/api/reports/summary?from={today:yyyy-MM-dd}&to={today:yyyy-MM-dd}&groupBy=action";
        var before = Groups(await GetAsync(url)).SingleOrDefault(g => g.Key == "message");
        var customer = new DirectLineTestClient(factory.CreateClient());
        var chat = await customer.StartAsync();

        await customer.SendAsync(chat, "Which payment methods do you accept?");
        await customer.WaitForBotMessagesAsync(chat, 2);

        var after = await PollAsync(url, s => Groups(s).SingleOrDefault(g => g.Key == "message").Count > before.Count);
        var message = Groups(after).Single(g => g.Key == "message");
        Assert.Equal((before.Count + 1, before.Processed + 1), (message.Count, message.Processed));
        var webchat = await GetAsync($"/api/reports/timeline?from={today:yyyy-MM-dd}&to={today:yyyy-MM-dd}&groupBy=source");
        Assert.True(Series(webchat, "webchat").Counts[0] >= 1);
    }

    [Fact]
    public async Task Unanswered_ListsInboundNotProcessedOlderThanAsked_NewestFirst()
    {
        var now = DateTimeOffset.UtcNow;
        var waiting = Record(now.AddHours(-2), "telegram", "message", null);
        var older = Record(now.AddHours(-5), "vk", "comment", null);
        var answered = Record(now.AddHours(-3), "telegram", "message", null, processed: true);
        var ourReply = Record(now.AddHours(-2).AddSeconds(1), "telegram", "message", null, direction: "out");
        var recent = Record(now.AddMinutes(-10), "telegram", "message", null);
        await AppendAsync(waiting, older, answered, ourReply, recent);

        var report = await GetAsync("/api/reports/unanswered?olderThanMinutes=60&limit=500");

        var ids = report["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()).ToList();
        var mine = ids.Where(id => id == waiting.Id || id == older.Id || id == answered.Id || id == ourReply.Id || id == recent.Id).ToList();
        Assert.Equal([waiting.Id, older.Id], mine);
        var first = report["items"]!.AsArray().Single(i => i!["id"]!.GetValue<string>() == waiting.Id)!;
        Assert.Equal(waiting.ConversationId, first["conversationId"]!.GetValue<string>());
        Assert.InRange(first["ageMinutes"]!.GetValue<int>(), 119, 121);
        Assert.Single((await GetAsync("/api/reports/unanswered?olderThanMinutes=60&limit=1"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Unanswered_AnOldOpenRecordBehindThousandsOfAnsweredOnes_IsListed_WithTheTotal()
    {
        var now = DateTimeOffset.UtcNow;
        var waiting = Record(now.AddHours(-6), "vk", "comment", null);
        await AppendAsync(waiting);
        // More answered records between it and the cut-off than the old report looked through (its window was 2,000).
        // A few at a time: 16 at once once kept the embedded Garnet busy past the client's 5 s timeout on a loaded machine.
        await Parallel.ForEachAsync(Enumerable.Range(0, 2_100), new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct },
            async (i, _) => await Log.AppendAsync(Record(now.AddHours(-5).AddSeconds(i), "telegram", "message", null, processed: true)));

        var report = await GetAsync("/api/reports/unanswered?olderThanMinutes=60&limit=500");

        Assert.Contains(waiting.Id, report["items"]!.AsArray().Select(i => i!["id"]!.GetValue<string>()));
        Assert.True(report["total"]!.GetValue<long>() >= 1);
        Assert.True(report["total"]!.GetValue<long>() >= report["items"]!.AsArray().Count);
        var one = await GetAsync("/api/reports/unanswered?olderThanMinutes=60&limit=1");
        Assert.Equal(report["total"]!.GetValue<long>(), one["total"]!.GetValue<long>());
    }

    [Fact]
    public async Task Summary_ByAgentAndDepartment_FollowsTheWork_ComparedWithThePeriodBefore()
    {
        var agent = $"sum-{Guid.NewGuid():N}"[..16];
        var department = "dept-" + Guid.NewGuid().ToString("N")[..8];
        var march = new[]
        {
            Record("2022-03-03T10:00:00Z", "telegram", "message", null) with { Department = department },
            Record("2022-03-04T10:00:00Z", "vk", "comment", null) with { Department = department },
            Record("2022-03-05T10:00:00Z", "vk", "comment", null),
        };
        var february = Record("2022-02-10T10:00:00Z", "vk", "message", null) with { Department = department };
        await AppendAsync([.. march, february]);
        using var api = ApiClient(factory);
        api.DefaultRequestHeaders.Add("X-Agent-Id", agent);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/interests/{march[0].Id}/take", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/interests/{march[1].Id}/processed", new JsonObject { ["note"] = "called" }, Ct)).StatusCode);

        var byAgent = await GetAsync("/api/reports/summary?from=2022-03-01&to=2022-03-31&groupBy=agent");
        Assert.Equal([("agent:" + agent, 2L, 1L), ("unassigned", 1L, 0L)], Groups(byAgent));
        var byDepartment = await GetAsync("/api/reports/summary?from=2022-03-01&to=2022-03-31&groupBy=department&compare=previous");
        Assert.Equal([(department, 2L, 1L)], Groups(byDepartment));
        var previous = byDepartment["previous"]!;
        Assert.Equal(("2022-02-01", "2022-02-28"), (previous["from"]!.GetValue<string>(), previous["to"]!.GetValue<string>()));
        Assert.Equal(1, previous["total"]!.GetValue<long>());
        Assert.Equal(2.0, byDepartment["previous"]!["change"]!.GetValue<double>()); // 3 against 1
        Assert.Equal(1, byDepartment["groups"]![0]!["previousCount"]!.GetValue<long>());
        // A week is compared with the week before; without compare there is no previous.
        var week = await GetAsync("/api/reports/summary?from=2022-03-03&to=2022-03-09&compare=previous");
        Assert.Equal(("2022-02-24", "2022-03-02"), (week["previous"]!["from"]!.GetValue<string>(), week["previous"]!["to"]!.GetValue<string>()));
        Assert.Null((await GetAsync("/api/reports/summary?from=2022-03-01&to=2022-03-31"))["previous"]);
    }

    [Fact]
    public async Task Counts_FollowARecord_TakenReassignedProcessedReopened_AndStayWhenRetentionRemovesIt()
    {
        var anna = $"anna-{Guid.NewGuid():N}"[..16];
        var boris = $"boris-{Guid.NewGuid():N}"[..16];
        var longName = "Чайник " + new string('x', 150); // cut to 100 characters in the counters
        var kettle = Record("2019-07-01T08:00:00Z", "telegram", "message", "чайник");
        var toaster = Record("2019-07-01T09:00:00Z", "vk", "comment", longName);
        var later = Record("2019-07-03T09:00:00Z", "telegram", "message", "чайник");
        await AppendAsync(kettle, toaster, later);
        using var api = ApiClient(factory);
        api.DefaultRequestHeaders.Add("X-Agent-Id", anna);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/interests/{kettle.Id}/take", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/interests/{kettle.Id}/assign", new JsonObject { ["agentId"] = boris }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/interests/{later.Id}/processed", new JsonObject { ["note"] = "called" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/interests/{toaster.Id}/processed", new JsonObject { ["note"] = "oops" }, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync($"/api/interests/{toaster.Id}/processed", Ct)).StatusCode);

        var byProduct = await GetAsync("/api/reports/timeline?from=2019-07-01&to=2019-07-03&groupBy=product&period=day");
        var byAgent = await GetAsync("/api/reports/summary?from=2019-07-01&to=2019-07-31&groupBy=agent");
        var bySource = await GetAsync("/api/reports/timeline?from=2019-07-01&to=2019-07-31&groupBy=source&period=week");

        Assert.Equal([2L, 0, 1], Longs(byProduct["totals"]));
        Assert.Equal([0L, 0, 1], Longs(byProduct["processed"]));
        AssertSeries(byProduct, "чайник", [1L, 0, 1], [0L, 0, 1]);
        AssertSeries(byProduct, longName[..100], [1L, 0, 0], [0L, 0, 0]);
        Assert.Equal(2, byProduct["series"]!.AsArray().Count);
        // Processed by Anna takes the unassigned record to her; reopened, it stays hers (processed no more); Boris got the one she took.
        Assert.Equal([("agent:" + anna, 2L, 1L), ("agent:" + boris, 1L, 0L), ("unassigned", 0L, 0L)], Groups(byAgent));
        Assert.Equal((3L, 1L), (byAgent["total"]!.GetValue<long>(), byAgent["processed"]!.GetValue<long>()));
        AssertSeries(bySource, "telegram", [2L, 0, 0, 0, 0], [1L, 0, 0, 0, 0]); // the week of Monday July 1st
        AssertSeries(bySource, "vk", [1L, 0, 0, 0, 0], [0L, 0, 0, 0, 0]);

        // Retention takes the records away; the reports still count them.
        while ((await Log.RemoveOlderThanAsync(DateTimeOffset.Parse("2019-08-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), 500)).Found > 0)
        {
        }

        Assert.Equal(HttpStatusCode.NotFound, (await _api.GetAsync($"/api/interests/{kettle.Id}", Ct)).StatusCode);
        Assert.Equal(byProduct.ToJsonString(), (await GetAsync("/api/reports/timeline?from=2019-07-01&to=2019-07-03&groupBy=product&period=day")).ToJsonString());
        Assert.Equal(byAgent.ToJsonString(), (await GetAsync("/api/reports/summary?from=2019-07-01&to=2019-07-31&groupBy=agent")).ToJsonString());
    }

    [Fact]
    public async Task CountersOfTheEarlierLayout_MovedOnce_AndCountedWithNewRecords()
    {
        var db = factory.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        // What the version before wrote for two records of May 2nd, 2018 (one processed): all dimensions in one hash per period.
        HashEntry[] earlier =
        [
            new("c:total", 2), new("p:total", 1), new("c:source:telegram", 2), new("p:source:telegram", 1),
            new("c:product:kettle", 1), new("p:product:kettle", 1), new("c:product:чайник:2", 1),
        ];
        RedisKey[] earlierKeys = ["{reports}:day:2018-05-02", "{reports}:week:2018-04-30", "{reports}:month:2018-05-01"];
        foreach (var key in earlierKeys)
        {
            await db.HashSetAsync(key, earlier);
        }

        await AppendAsync(Record("2018-05-02T10:00:00Z", "telegram", "message", "kettle"));
        var upgrade = factory.Services.GetRequiredService<ReportCountersUpgrade>();
        Assert.Equal(0, await upgrade.UpgradeAsync(Ct)); // this store was upgraded when the host started: no second scan
        await db.KeyDeleteAsync(RedisKeys.ReportCountersLayout); // as the earlier version left it

        Assert.Equal(3, await upgrade.UpgradeAsync(Ct));
        Assert.Equal(0, await upgrade.UpgradeAsync(Ct)); // nothing left to move: nothing counted twice
        foreach (var key in earlierKeys)
        {
            Assert.False(await db.KeyExistsAsync(key));
        }

        var month = await GetAsync("/api/reports/summary?from=2018-05-01&to=2018-05-31&groupBy=product");
        Assert.Equal((3L, 1L), (month["total"]!.GetValue<long>(), month["processed"]!.GetValue<long>()));
        Assert.Equal([("kettle", 2L, 1L), ("чайник:2", 1L, 0L)], Groups(month));
        var days = await GetAsync("/api/reports/timeline?from=2018-05-01&to=2018-05-03&groupBy=source&period=day");
        AssertSeries(days, "telegram", [0L, 3, 0], [0L, 1, 0]);
        var weeks = await GetAsync("/api/reports/timeline?from=2018-04-30&to=2018-05-06&groupBy=product&period=week");
        AssertSeries(weeks, "kettle", [2L], [1L]);
    }

    [Fact]
    public async Task Unanswered_ShowsWhoTookIt_LeavesOutWhatWasProcessedSince()
    {
        var agent = $"ua-{Guid.NewGuid():N}"[..16];
        var now = DateTimeOffset.UtcNow;
        var taken = Record(now.AddHours(-3), "telegram", "message", "kettle");
        var answeredSince = Record(now.AddHours(-4), "vk", "comment", null);
        await AppendAsync(taken, answeredSince);
        using var api = ApiClient(factory);
        api.DefaultRequestHeaders.Add("X-Agent-Id", agent);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/api/interests/{taken.Id}/take", null, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/interests/{answeredSince.Id}/processed", new JsonObject { ["note"] = "called" }, Ct)).StatusCode);

        var items = (await GetAsync("/api/reports/unanswered?olderThanMinutes=60&limit=500"))["items"]!.AsArray();

        var item = items.Single(i => i!["id"]!.GetValue<string>() == taken.Id)!;
        Assert.Equal("agent:" + agent, item["responsible"]!.GetValue<string>());
        Assert.Equal(("telegram", "message", "kettle", "Ulla"), (item["sourceType"]!.GetValue<string>(), item["action"]!.GetValue<string>(), item["product"]!.GetValue<string>(), item["authorName"]!.GetValue<string>()));
        Assert.Equal("Is the kettle in stock?", item["text"]!.GetValue<string>());
        Assert.DoesNotContain(items, i => i!["id"]!.GetValue<string>() == answeredSince.Id);
    }

    [Fact]
    public async Task FirstResponse_AgentsAnswers_InTheirBuckets_OncePerRecord_BotAnswersLeftOut()
    {
        var agent = $"fr-{Guid.NewGuid():N}"[..16];
        var department = "dept-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        // 12 minutes, 50 minutes and 5 hours before the agent answers: buckets (10–15 min], (45–60 min], (4–6 h].
        var records = new[] { now.AddMinutes(-12), now.AddMinutes(-50), now.AddHours(-5) }
            .Select(date => Record(date, "telegram", "message", null) with { Department = department }).ToArray();
        var answeredByBot = Record(now.AddMinutes(-20), "telegram", "message", null, processed: true) with { Department = department };
        await AppendAsync([.. records, answeredByBot]);
        using var api = ApiClient(factory);
        api.DefaultRequestHeaders.Add("X-Agent-Id", agent);
        foreach (var record in records)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/interests/{record.Id}/processed", new JsonObject { ["note"] = "answered" }, Ct)).StatusCode);
        }

        // Reopened and processed again: still one first response.
        Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync($"/api/interests/{records[0].Id}/processed", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync($"/api/interests/{records[0].Id}/processed", new JsonObject { ["note"] = "again" }, Ct)).StatusCode);
        var range = $"from={now.AddDays(-1):yyyy-MM-dd}&to={now.AddDays(1):yyyy-MM-dd}";

        var mine = await GetAsync($"/api/reports/first-response?{range}&agent={agent}&compare=previous");
        var figures = mine["figures"]!;
        Assert.Equal(3, figures["count"]!.GetValue<long>());
        var buckets = mine["buckets"]!.AsArray().Select(b => (From: b!["fromSeconds"]!.GetValue<long>(), Count: b["count"]!.GetValue<long>())).ToList();
        Assert.Equal(3, buckets.Sum(b => b.Count));
        Assert.Equal(1, buckets.Single(b => b.From == 600).Count);
        Assert.Equal(1, buckets.Single(b => b.From == 2700).Count);
        Assert.Equal(1, buckets.Single(b => b.From == 14_400).Count);
        Assert.InRange(figures["p50Seconds"]!.GetValue<double>(), 2700, 3600);
        Assert.InRange(figures["meanSeconds"]!.GetValue<double>(), (720 + 3000 + 18_000) / 3.0, (720 + 3000 + 18_000) / 3.0 + 600);
        Assert.Equal(0, mine["previous"]!["figures"]!["count"]!.GetValue<long>());
        var both = await GetAsync($"/api/reports/first-response?{range}&department={department}&agent=agent:{agent}");
        Assert.Equal(3, both["figures"]!["count"]!.GetValue<long>());
        Assert.Equal(3, (await GetAsync($"/api/reports/first-response?{range}&department={department}"))["figures"]!["count"]!.GetValue<long>());
        Assert.True((await GetAsync($"/api/reports/first-response?{range}"))["figures"]!["count"]!.GetValue<long>() >= 3);
    }

    [Fact]
    public async Task Funnel_StageChangesWrittenDownWithTime_CountedAsMovesOfTheDay()
    {
        var customers = factory.Services.GetRequiredService<SupportBot.Customers.CustomerStore>();
        var id = await customers.LinkAsync(new SupportBot.Customers.CustomerSighting
        {
            SourceType = "telegram", UserId = Guid.NewGuid().ToString("N")[..10], ConversationId = "telegram:funnel-" + Guid.NewGuid().ToString("N")[..8], At = DateTimeOffset.UtcNow,
        });
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(ReportsHostFixture<GarnetFixture>.TimeZone)).DateTime);
        var url = $"/api/reports/funnel?from={today.AddDays(-1):yyyy-MM-dd}&to={today.AddDays(1):yyyy-MM-dd}";
        var before = Moves(await GetAsync(url));
        using var api = ApiClient(factory);
        api.DefaultRequestHeaders.Add("X-Agent-Id", "funnel-ann");

        foreach (var stage in new[] { "qualified", "proposal", "proposal", "won" })
        {
            Assert.Equal(HttpStatusCode.OK, (await api.PatchAsJsonAsync($"/api/customers/{id}", new JsonObject { ["stage"] = stage }, Ct)).StatusCode);
        }

        var customer = (await api.GetFromJsonAsync<JsonObject>($"/api/customers/{id}", Ct))!;
        var history = customer["stageHistory"]!.AsArray().Select(m => (m!["from"]!.GetValue<string>(), m["to"]!.GetValue<string>(), m["by"]!.GetValue<string>())).ToList();
        Assert.Equal([("new", "qualified", "funnel-ann"), ("qualified", "proposal", "funnel-ann"), ("proposal", "won", "funnel-ann")], history); // no move to where it was
        var report = await GetAsync(url);
        var after = Moves(report);
        Assert.Equal(1, after.GetValueOrDefault(("new", "qualified")) - before.GetValueOrDefault(("new", "qualified")));
        Assert.Equal(1, after.GetValueOrDefault(("qualified", "proposal")) - before.GetValueOrDefault(("qualified", "proposal")));
        Assert.Equal(1, after.GetValueOrDefault(("proposal", "won")) - before.GetValueOrDefault(("proposal", "won")));
        Assert.Equal(0, after.GetValueOrDefault(("proposal", "proposal")));
        Assert.Equal(["new", "qualified", "proposal", "won", "lost"], report["stages"]!.AsArray().Select(s => s!.GetValue<string>()));
        var won = report["perStage"]!.AsArray().Single(s => s!["stage"]!.GetValue<string>() == "won")!;
        Assert.True(won["entered"]!.GetValue<long>() >= 1);
        Assert.NotNull((await GetAsync(url + "&compare=previous"))["previous"]);
    }

    [Fact]
    public async Task Agents_AfterAHandledChat_ShowFirstResponseAndHandleTimes_AndTheQueueNow()
    {
        var anna = new AgentTestClient(factory, $"anna-{Guid.NewGuid():N}"[..20]);
        _agents.Add(anna);
        await anna.OnlineAsync(name: "Anna");
        var customer = new DirectLineTestClient(factory.CreateClient());
        var chat = await customer.StartAsync();
        await customer.SendAsync(chat, "I want to talk to a human");
        await customer.WaitForBotMessagesAsync(chat, 3);
        var id = AgentTestClient.ConversationOf(chat);
        var waiting = await GetAsync("/api/reports/agents");
        Assert.True(Department(waiting, "support")["queueLength"]!.GetValue<long>() >= 1);

        Assert.Equal(HttpStatusCode.OK, (await anna.ClaimAsync(id)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anna.SendAsync(id, "Hello, Anna here")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anna.ResolveAsync(id)).StatusCode);
        // Anna's reply, once it has gone out, marks the customer's question processed (today's counters move):
        // wait for that here, so it does not land in the middle of another test's before/after.
        await PollAsync("/api/interests?source=webchat&processed=no&pageSize=500",
            page => !page["items"]!.AsArray().Any(i => i!["conversationId"]!.GetValue<string>() == id));

        var report = await GetAsync("/api/reports/agents");
        var row = report["agents"]!.AsArray().Single(a => a!["agentId"]!.GetValue<string>() == anna.AgentId)!;
        Assert.Equal("Anna", row["name"]!.GetValue<string>());
        Assert.Equal(1, row["firstResponse"]!["count"]!.GetValue<int>());
        Assert.NotNull(row["firstResponse"]!["medianMs"]);
        Assert.NotNull(row["firstResponse"]!["p90Ms"]);
        Assert.Equal(1, row["handle"]!["count"]!.GetValue<int>());
        var support = Department(report, "support");
        Assert.True(support["firstResponse"]!["count"]!.GetValue<int>() >= 1);
        Assert.True(support["wait"]!["count"]!.GetValue<int>() >= 1);
        Assert.Equal(0, support["queueLength"]!.GetValue<long>());
        Assert.Equal(0, Department(report, "billing")["queueLength"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("summary?groupBy=colour", "groupBy")]
    [InlineData("summary?from=yesterday", "from")]
    [InlineData("summary?to=2026-13-45", "to")]
    [InlineData("summary?from=24.11.2026", "from")]
    [InlineData("summary?from=2021-03-02&to=2021-03-01", "from")]
    [InlineData("summary?from=2018-01-01&to=2021-01-02", "to")]
    [InlineData("timeline?period=year", "period")]
    [InlineData("timeline?from=2020-01-01&to=2020-04-02&period=day", "period")]
    [InlineData("timeline?groupBy=SOURCE&period=week", "groupBy")]
    [InlineData("timeline?from=2021-02-01T25:00:00Z", "from")]
    [InlineData("unanswered?olderThanMinutes=-5", "olderThanMinutes")]
    [InlineData("unanswered?olderThanMinutes=soon", "olderThanMinutes")]
    [InlineData("unanswered?limit=0", "limit")]
    [InlineData("summary?compare=last-year", "compare")]
    [InlineData("first-response?agent=no%20body", "agent")]
    [InlineData("first-response?department=%01", "department")]
    [InlineData("first-response?from=2021-03-02&to=2021-03-01", "from")]
    [InlineData("first-response?compare=yes", "compare")]
    [InlineData("funnel?to=someday", "to")]
    [InlineData("funnel?compare=1", "compare")]
    public async Task BadQuery_400_NamingTheParameter(string query, string parameter)
    {
        var problem = await ProblemAssert.IsProblemAsync(await _api.GetAsync("/api/reports/" + query, Ct), HttpStatusCode.BadRequest);

        Assert.Equal(parameter, problem["parameter"]!.GetValue<string>());
        Assert.StartsWith(parameter, problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task ThreeYearsExactly_Allowed_AQuarterOfDaysToo()
    {
        var summary = await GetAsync("/api/reports/summary?from=2018-01-01&to=2021-01-01");
        Assert.True(summary["total"]!.GetValue<long>() >= 0);
        Assert.Equal(157, (await GetAsync("/api/reports/timeline?from=2018-01-01&to=2021-01-01&period=week"))["periods"]!.AsArray().Count);
        Assert.Equal(92, (await GetAsync("/api/reports/timeline?from=2020-01-01&to=2020-04-01&period=day"))["periods"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("summary")]
    [InlineData("timeline")]
    [InlineData("agents")]
    [InlineData("unanswered")]
    [InlineData("first-response")]
    [InlineData("funnel")]
    public async Task WithoutKey_401(string report)
    {
        await ProblemAssert.IsProblemAsync(await ApiClient(factory, key: null).GetAsync("/api/reports/" + report, Ct), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(await ApiClient(factory, key: "guess").GetAsync("/api/reports/" + report, Ct), HttpStatusCode.Unauthorized);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }

        _api.Dispose();
        GC.SuppressFinalize(this);
    }

    private static InterestRecord Record(string utc, string source, string action, string? product, bool processed = false, string direction = "in") =>
        Record(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture), source, action, product, processed, direction);

    private static InterestRecord Record(DateTimeOffset date, string source, string action, string? product, bool processed = false, string direction = "in")
    {
        var conversation = $"{source}:report-{Guid.NewGuid():N}";
        return new InterestRecord
        {
            Id = InterestLog.RecordId(direction, conversation, Guid.NewGuid().ToString("N")),
            Date = date,
            SourceType = source,
            Author = new InterestAuthor("customer-1", "Ulla", null, null),
            Action = action,
            Direction = direction,
            Text = "Is the kettle in stock?",
            Product = product,
            ConversationId = conversation,
            Responsible = processed ? "bot" : "queue",
            Processed = processed,
        };
    }

    private async Task AppendAsync(params InterestRecord[] records)
    {
        foreach (var record in records)
        {
            await Log.AppendAsync(record);
        }
    }

    private async Task<JsonObject> GetAsync(string path)
    {
        var response = await _api.GetAsync(path, Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Ct))!;
    }

    /// <summary>The pipeline writes records after the reply is on its way: poll a little.</summary>
    private async Task<JsonObject> PollAsync(string path, Func<JsonObject, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var body = await GetAsync(path);
            if (done(body) || DateTime.UtcNow > deadline)
            {
                return body;
            }

            await Task.Delay(100, Ct);
        }
    }

    private static List<(string Key, long Count, long Processed)> Groups(JsonObject summary) =>
        [.. summary["groups"]!.AsArray().Select(g => (g!["key"]!.GetValue<string>(), g["count"]!.GetValue<long>(), g["processed"]!.GetValue<long>()))];

    private static (long[] Counts, long[] Processed) Series(JsonObject timeline, string key)
    {
        var series = timeline["series"]!.AsArray().Single(s => s!["key"]!.GetValue<string>() == key)!;
        return (Longs(series["counts"]), Longs(series["processed"]));
    }

    private static void AssertSeries(JsonObject timeline, string key, long[] counts, long[] processed)
    {
        var (actualCounts, actualProcessed) = Series(timeline, key);
        Assert.Equal(counts, actualCounts);
        Assert.Equal(processed, actualProcessed);
    }

    private static JsonObject Department(JsonObject report, string name) =>
        report["departments"]!.AsArray().Single(d => d!["department"]!.GetValue<string>() == name)!.AsObject();

    private static Dictionary<(string From, string To), long> Moves(JsonObject funnel) =>
        funnel["transitions"]!.AsArray().ToDictionary(t => (t!["from"]!.GetValue<string>(), t["to"]!.GetValue<string>()), t => t!["count"]!.GetValue<long>());

    private static string[] Strings(JsonNode? array) => [.. array!.AsArray().Select(v => v!.GetValue<string>())];

    private static long[] Longs(JsonNode? array) => [.. array!.AsArray().Select(v => v!.GetValue<long>())];
}
