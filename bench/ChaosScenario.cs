using SupportBot.Chaos;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>bench -- chaos</c>: the driver in <c>Chaos/</c> (shared with the functional test) against the host as its
/// own process and a redis-server with its append-only file; prints the check's figures as one JSON line.
/// </summary>
internal static class ChaosScenario
{
    public static async Task<int> RunAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        BenchProgram.Progress($"chaos: starting redis-server with its append-only file ({BenchProgram.LoadAverage()})");
        await using var redis = await RedisServer.StartAsync(cancellationToken, appendOnly: true);
        var workDir = Directory.CreateTempSubdirectory("sb-chaos-").FullName;
        try
        {
            var report = await ChaosRun.RunAsync(new ChaosOptions
            {
                Messages = options.Messages,
                ActiveConversations = options.Conversations,
                HostKills = options.Kills,
                Seed = options.Seed,
                RedisConnection = redis.ConnectionString,
                KillRedisAsync = redis.KillAsync,
                StartRedisAsync = () => redis.RestartAsync(cancellationToken),
                WorkDirectory = workDir,
                HostSettings = options.SettingsAsEnvironment(),
                Progress = BenchProgram.Progress,
            }, cancellationToken);

            foreach (var finding in report.Findings)
            {
                BenchProgram.Progress("finding: " + finding);
            }

            foreach (var error in report.Errors.Take(10))
            {
                BenchProgram.Progress("error: " + error);
            }

            Console.Out.WriteLine(report.ToJsonLine());
            BenchProgram.Progress($"chaos: done ({BenchProgram.LoadAverage()})");
            return report.Passed ? 0 : 1;
        }
        finally
        {
            try
            {
                Directory.Delete(workDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
