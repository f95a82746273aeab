using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using SupportBot.Handoff.Departments;
using StackExchange.Redis;

namespace SupportBot.Observability;

/// <summary>
/// The queue-length gauge's values. A scrape must not wait on Redis, so the gauge reads the last
/// sample, which a background loop refreshes (one ZCARD per department, pipelined).
/// </summary>
public sealed class HandoffQueueLengths
{
    private volatile Measurement<long>[] _latest = [];

    internal IEnumerable<Measurement<long>> Observe() => _latest;

    internal void Set(IReadOnlyList<(string Department, long Length)> lengths) =>
        _latest = [.. lengths.Select(l => new Measurement<long>(l.Length, new KeyValuePair<string, object?>("department", l.Department)))];
}

/// <summary>Samples every department's queue length every <c>Metrics:QueueSampleSeconds</c>.</summary>
internal sealed class HandoffQueueSampler(
    HandoffQueueLengths lengths,
    DepartmentDirectory departments,
    IConnectionMultiplexer redis,
    IOptions<MetricsOptions> options,
    TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.Value.QueueSampleSeconds), time);
        do
        {
            try
            {
                await SampleAsync();
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
            {
                // Redis is away (the monitor and /readyz report it): the gauge keeps the last sample.
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    internal async Task SampleAsync()
    {
        if (!redis.IsConnected)
        {
            return;
        }

        var db = redis.GetDatabase();
        var names = departments.All.Select(d => d.Name).ToList();
        var counts = await Task.WhenAll(names.Select(name => db.SortedSetLengthAsync(RedisKeys.HandoffQueue(name))));
        lengths.Set([.. names.Zip(counts)]);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
