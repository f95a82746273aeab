using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Fuzz;

/// <summary>Runs alone (after the parallel tests): it measures the whole process's memory.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection : ICollectionFixture<FuzzHostFixture>
{
    public const string Name = "Fuzz";
}

/// <summary>
/// Ten thousand generated bodies per public endpoint (fixed seed, sent in parallel through the test
/// server): no answer is a 5xx, the host still answers /healthz, and the managed heap and working
/// set after a forced collection are no bigger after the last thousand than after the first, give or take a margin.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class PublicEndpointFuzzTests(FuzzHostFixture host, ITestOutputHelper output)
{
    private const int PerEndpoint = 10_000;
    private const int Seed = 20261202;
    private const int Parallelism = 16;
    private const long HeapMarginBytes = 48L * 1024 * 1024;
    private const long WorkingSetMarginBytes = 96L * 1024 * 1024;

    public static TheoryData<string> Endpoints => [.. FuzzHostFixture.Names];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task TenThousandBodies_No5xx_HealthzAnswers_MemoryFlat(string endpoint)
    {
        var target = host.Target(endpoint);
        var bodies = new FuzzBodies(target.Example, Seed + Array.IndexOf(FuzzHostFixture.Names, endpoint), target.BodyLimit + 1024);
        var client = host.Factory.CreateClient();
        client.Timeout = TimeSpan.FromMinutes(2);
        var failures = new ConcurrentQueue<string>();
        host.Errors.Entries.Clear();
        var statuses = new ConcurrentDictionary<int, int>();
        var clock = Stopwatch.StartNew();

        await SendAsync(0, 1_000);
        var first = Memory();
        await SendAsync(1_000, PerEndpoint - 1_000);
        await SendAsync(PerEndpoint - 1_000, PerEndpoint);
        var last = Memory();

        var health = await client.GetAsync("/healthz", Ct);
        output.WriteLine($"{endpoint}: {PerEndpoint} requests in {clock.Elapsed.TotalSeconds:F1} s; statuses {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        output.WriteLine($"heap {first.Heap / 1048576.0:F1} → {last.Heap / 1048576.0:F1} MB, working set {first.WorkingSet / 1048576.0:F1} → {last.WorkingSet / 1048576.0:F1} MB");
        Assert.True(failures.IsEmpty, $"{failures.Count} requests failed, e.g.:\n{string.Join("\n", failures.Take(10))}");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // Redis timing out on an overloaded machine is not a finding (those steps are retried or tolerated); anything else is.
        var errors = host.Errors.Entries.Where(e => !e.Message.Contains("StackExchange.Redis.RedisTimeoutException", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"The host logged {errors.Count} errors, e.g.:\n{string.Join("\n", errors.Take(3).Select(e => $"{e.Category}: {e.Message}"))}");
        Assert.True(last.Heap <= first.Heap + HeapMarginBytes, $"Managed heap grew from {first.Heap / 1048576.0:F1} MB to {last.Heap / 1048576.0:F1} MB");
        Assert.True(last.WorkingSet <= first.WorkingSet + WorkingSetMarginBytes, $"Working set grew from {first.WorkingSet / 1048576.0:F1} MB to {last.WorkingSet / 1048576.0:F1} MB");

        Task SendAsync(int from, int to) => Parallel.ForEachAsync(
            Enumerable.Range(from, to - from), new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = Ct }, async (i, ct) =>
            {
                var body = bodies[i];
                using var request = new HttpRequestMessage(target.Method, target.Path(i) + (target.Method == HttpMethod.Get ? bodies.QueryValue(i) : ""));
                foreach (var (name, value) in target.Headers(i))
                {
                    request.Headers.TryAddWithoutValidation(name, value);
                }

                if (target.Method != HttpMethod.Get)
                {
                    request.Content = new ByteArrayContent(body.Content);
                    if (body.ContentType is not null)
                    {
                        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(body.ContentType);
                    }
                }

                try
                {
                    using var response = await client.SendAsync(request, ct);
                    await response.Content.ReadAsByteArrayAsync(ct);
                    statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                    if ((int)response.StatusCode >= 500)
                    {
                        failures.Enqueue($"#{i} {body.Kind} → {(int)response.StatusCode}: {Preview(body)}");
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException && !ct.IsCancellationRequested)
                {
                    failures.Enqueue($"#{i} {body.Kind} → no answer ({e.GetType().Name}: {e.Message}): {Preview(body)}");
                }
            });
    }

    /// <summary>Managed heap and working set after a full, aggressive collection (the stand-ins' call logs dropped first).</summary>
    private (long Heap, long WorkingSet) Memory()
    {
        host.Telegram.ForgetCalls();
        host.Vk.Calls.Clear();
        // Aggressive: compacts and gives free memory back to the system, so the working set shows what is still in use.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        using var process = Process.GetCurrentProcess();
        return (heap, process.WorkingSet64);
    }

    private static string Preview(FuzzBody body)
    {
        var text = Encoding.UTF8.GetString(body.Content, 0, Math.Min(body.Content.Length, 600));
        return $"[{body.ContentType ?? "no content type"}, {body.Content.Length} bytes] {text.ReplaceLineEndings(" ")}";
    }
}
