using SupportBot.Chaos;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Chaos;

/// <summary>
/// The chaos bench's driver (bench/Chaos, linked in) at CI size: customers on the website chat and on
/// Telegram, agents answering handoffs, while the host is SIGKILLed twice and redis-server (append-only
/// file, fsync on every write) is killed and restarted. Nothing a customer said or was told may be lost
/// or doubled. <c>bench -- chaos</c> runs the same with 10,000 messages.
/// </summary>
public sealed class ChaosTests
{
    [Fact]
    public async Task HostKilledTwiceAndRedisRestarted_EveryMessageHasOneRecordAndOneReply_NoHandoffLostOrDoubled()
    {
        await using var redis = new RedisServerFixture();
        await redis.InitializeAsync();
        var workDir = Directory.CreateTempSubdirectory("sb-chaos-").FullName;
        var output = TestContext.Current.TestOutputHelper;
        ChaosReport report;
        try
        {
            report = await ChaosRun.RunAsync(new ChaosOptions
            {
                Messages = 1_000,
                ActiveConversations = 32,
                HostKills = 2,
                RedisRestart = true,
                RedisConnection = redis.ConnectionString,
                KillRedisAsync = redis.KillAsync,
                StartRedisAsync = redis.StartAsync,
                WorkDirectory = workDir,
                // The conversations a killed host held move on once its leases run out: 10 s instead of 30 keeps the test short.
                HostSettings = new Dictionary<string, string> { ["Pipeline__LeaseSeconds"] = "10" },
                Progress = line => output?.WriteLine($"{DateTime.Now:HH:mm:ss} {line}"),
            }, Ct);
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
        }

        output?.WriteLine(report.ToJsonLine());
        var findings = string.Join(Environment.NewLine, report.Findings.Concat(report.Errors));
        Assert.Equal(2, report.Faults.Count(f => f.Kind == "host-sigkill"));
        Assert.True(report.Faults.Single(f => f.Kind == "redis-restart").ReadyzRedSeen, "/readyz did not go red while Redis was down, then green");
        Assert.Equal(1_000, report.Messages);
        Assert.True(report.Handoffs > 0 && report.HandoffsResolved > 0, "the run should include handoffs that agents resolved");
        Assert.Equal(report.Messages, report.Records);
        Assert.True(report.Passed, findings);
        // Only a Telegram send in flight at a fault may go twice (sendMessage has no idempotency key); never a Direct Line reply.
        Assert.Equal(report.InDoubtDuplicates, report.DuplicateReplies);
    }
}
