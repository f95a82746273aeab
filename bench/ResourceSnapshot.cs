using System.Diagnostics;
using System.Globalization;

namespace SupportBot.Benchmarks;

/// <summary>
/// CPU used by this process (load generator and host together) and by redis-server, and Redis
/// commands served: the difference of two snapshots tells where a phase's time went.
/// </summary>
internal sealed record ResourceSnapshot(TimeSpan ProcessCpu, TimeSpan RedisCpu, IReadOnlyDictionary<string, long> RedisCalls)
{
    public static async Task<ResourceSnapshot> TakeAsync(RedisServer redis)
    {
        using var self = Process.GetCurrentProcess();
        return new ResourceSnapshot(self.TotalProcessorTime, redis.CpuTime, await redis.CommandCallsAsync());
    }

    public static ResourceSnapshot operator -(ResourceSnapshot after, ResourceSnapshot before) => new(
        after.ProcessCpu - before.ProcessCpu,
        after.RedisCpu - before.RedisCpu,
        after.RedisCalls.ToDictionary(c => c.Key, c => c.Value - before.RedisCalls.GetValueOrDefault(c.Key)));

    /// <summary>One line: CPU of each side as a share of the machine, and Redis commands per turn.</summary>
    public string Describe(double wallSeconds, int turns)
    {
        var cores = Environment.ProcessorCount;
        var total = RedisCalls.Values.Sum();
        var top = string.Join(", ", RedisCalls.Where(c => c.Value > 0).OrderByDescending(c => c.Value)
            .Select(c => $"{c.Key} {((double)c.Value / turns).ToString("0.0", CultureInfo.InvariantCulture)}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"cpu: bench+host {ProcessCpu.TotalSeconds:0.0} s ({ProcessCpu.TotalSeconds / wallSeconds / cores * 100:0}% of {cores} cores), " +
            $"redis-server {RedisCpu.TotalSeconds:0.0} s ({RedisCpu.TotalSeconds / wallSeconds / cores * 100:0}%); " +
            $"redis: {(double)total / turns:0.0} commands per turn ({total / wallSeconds:0} per s): {top}");
    }
}
