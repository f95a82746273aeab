using System.Diagnostics;
using System.Net;
using System.Text;

namespace SupportBot.Benchmarks;

/// <summary>What one measured run of turns gave.</summary>
/// <param name="LatenciesMs">Successful turns' latencies, ascending.</param>
/// <param name="ByConversation">Every turn by [conversation][message]: when it started (ms into the run) and its latency (NaN when it failed).</param>
internal sealed record TurnRun(int Turns, int Failed, double WallSeconds, double[] LatenciesMs, TurnSample[][] ByConversation, string? FirstError)
{
    public double TurnsPerSecond => Turns / WallSeconds;
}

/// <summary>One measured turn: when it started, in ms from the start of the run, and how long it took.</summary>
internal readonly record struct TurnSample(double StartedMs, double LatencyMs);

/// <summary>
/// The webchat scenario: N visitors chat at once, each sending M FAQ questions one after another
/// (the next once the previous answer is on its stream); and the echo baseline at the same concurrency.
/// </summary>
internal sealed class WebChatScenario(Uri baseAddress, TimeSpan replyTimeout)
{
    // Questions the demo bot answers from its FAQ, none of which asks for a person (that would end the bot's part).
    internal static readonly string[] Questions =
    [
        "How long does delivery take?",
        "How much is shipping?",
        "Which payment methods do you accept?",
        "Where is my order?",
        "What are your opening hours?",
    ];

    private const string EchoBody = """{"type":"message","text":"How long does delivery take?","from":{"id":"u"},"channelData":{"clientActivityID":"bench-echo-0001"}}""";

    /// <summary>One client for all visitors, as many browsers would be: its own connection per concurrent request.</summary>
    public HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        MaxConnectionsPerServer = int.MaxValue,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>Opens <paramref name="conversations"/> sessions at once: token, start, stream, greeting.</summary>
    public async Task<ChatSession[]> OpenSessionsAsync(HttpClient http, int conversations, CancellationToken cancellationToken)
    {
        var opening = Enumerable.Range(0, conversations).Select(_ => ChatSession.OpenAsync(http, replyTimeout, cancellationToken)).ToArray();
        try
        {
            await Task.WhenAll(opening);
        }
        catch
        {
            await DisposeAllAsync(opening.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            throw;
        }

        return [.. opening.Select(t => t.Result)];
    }

    /// <summary>Every session sends <paramref name="messages"/> questions, each after the previous answer; all sessions at once.</summary>
    public async Task<TurnRun> RunTurnsAsync(ChatSession[] sessions, int messages, CancellationToken cancellationToken)
    {
        var latencies = new double[sessions.Length * messages];
        var started = new double[sessions.Length * messages];
        var failed = 0;
        string? firstError = null;
        var wall = Stopwatch.StartNew();
        await Task.WhenAll(sessions.Select((session, c) => Task.Run(async () =>
        {
            for (var m = 0; m < messages; m++)
            {
                var slot = (c * messages) + m;
                started[slot] = wall.Elapsed.TotalMilliseconds;
                try
                {
                    latencies[slot] = await session.TurnAsync(Questions[(c + m) % Questions.Length], replyTimeout, cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    latencies[slot] = double.NaN;
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                }
            }
        }, cancellationToken)));
        wall.Stop();

        var ok = latencies.Where(l => !double.IsNaN(l)).ToArray();
        Array.Sort(ok);
        var byConversation = Enumerable.Range(0, sessions.Length)
            .Select(c => Enumerable.Range(c * messages, messages).Select(slot => new TurnSample(started[slot], latencies[slot])).ToArray())
            .ToArray();
        return new TurnRun(ok.Length, failed, wall.Elapsed.TotalSeconds, ok, byConversation, firstError);
    }

    /// <summary>Opens the sessions, runs their turns, closes them.</summary>
    public async Task<TurnRun> OpenAndRunAsync(HttpClient http, int conversations, int messages, CancellationToken cancellationToken)
    {
        var sessions = await OpenSessionsAsync(http, conversations, cancellationToken);
        try
        {
            return await RunTurnsAsync(sessions, messages, cancellationToken);
        }
        finally
        {
            await DisposeAllAsync(sessions);
        }
    }

    /// <summary><paramref name="concurrency"/> clients post to <c>/bench/echo</c> back to back for <paramref name="duration"/>.</summary>
    /// <returns>Completed requests per second, and the number that failed.</returns>
    public static async Task<(double Rps, long Requests, long Failed)> RunEchoAsync(HttpClient http, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(EchoBody);
        long done = 0;
        long failed = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                try
                {
                    using var response = await http.PostAsync("/bench/echo", content, cancellationToken);
                    var echoed = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK && echoed.Length > 0)
                    {
                        Interlocked.Increment(ref done);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        }, cancellationToken)));
        clock.Stop();
        return (done / clock.Elapsed.TotalSeconds, done, failed);
    }

    public static async Task DisposeAllAsync(IEnumerable<ChatSession> sessions) =>
        await Task.WhenAll(sessions.Select(s => s.DisposeAsync().AsTask()));
}
