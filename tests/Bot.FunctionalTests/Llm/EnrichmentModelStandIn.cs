using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SupportBot.FunctionalTests.Llm;

/// <summary>
/// The host's model: a <see cref="ChatStandIn"/> (OpenAI-compatible, real HTTP on loopback) that tells the two
/// kinds of call apart. Enrichment calls (those asking for a JSON schema) are recorded and answered per
/// <see cref="Mode"/>, labelling each message by its words; the reply path's calls get <c>NO_ANSWER</c> (the
/// scripted answer goes out). Every answer reports 15 tokens used.
/// </summary>
public sealed class EnrichmentModelStandIn : IAsyncDisposable
{
    public enum Behaviour { Label, Malformed, UnknownLabels, ServerError }

    private readonly ChatStandIn _server;
    private TaskCompletionSource _gate = Opened();

    private EnrichmentModelStandIn(ChatStandIn server)
    {
        _server = server;
        Endpoint = server.Endpoint;
        server.Chat = (request, _, http) => AnswerAsync(request, http);
    }

    public string Endpoint { get; }

    public Behaviour Mode { get; set; } = Behaviour.Label;

    /// <summary>Each enrichment call's body (the JSON the stand-in received).</summary>
    public ConcurrentQueue<string> EnrichmentCalls { get; } = new();

    /// <summary>Calls from the reply path (grounded answers).</summary>
    public int ReplyCalls => Volatile.Read(ref _replyCalls);

    private int _replyCalls;

    /// <summary>Enrichment calls answered, whatever the answer.</summary>
    public int Answered => Volatile.Read(ref _answered);

    private int _answered;

    /// <summary>Milliseconds every enrichment answer takes.</summary>
    public int DelayMs { get; set; }

    /// <summary>A batch of more than this many messages takes <see cref="SlowMs"/> (a slow local model).</summary>
    public int SlowAbove { get; set; } = int.MaxValue;

    public int SlowMs { get; set; }

    /// <summary>The host settings that point the LLM here, with a quick enrichment loop and a quick breaker.</summary>
    public Dictionary<string, string?> Settings(params (string Key, string? Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "openai-compatible",
            ["Llm:Endpoint"] = Endpoint,
            ["Llm:Model"] = "stand-in",
            ["Llm:EnrichmentIntervalSeconds"] = "0.1",
            ["Llm:EnrichmentTimeoutSeconds"] = "60",
            // Every test message may be one the bot does not know: no handoff for that.
            ["Handoff:UnrecognizedBeforeHandoff"] = "0",
            ["Llm:BreakerFailures"] = "2",
            ["Llm:BreakerCooldownSeconds"] = "1",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Forgets the calls so far.</summary>
    public void Reset()
    {
        while (EnrichmentCalls.TryDequeue(out _))
        {
        }

        Volatile.Write(ref _answered, 0);
    }

    /// <summary>Enrichment calls wait (unanswered) until <see cref="Release"/>.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    public static async Task<EnrichmentModelStandIn> StartAsync() => new(await ChatStandIn.StartAsync());

    /// <summary>The texts of an enrichment call's user message (a JSON array of {n, text}).</summary>
    public static List<string> Texts(string body) =>
        [.. JsonNode.Parse(UserMessage(JsonNode.Parse(body)!))!.AsArray().Select(item => item!["text"]!.GetValue<string>())];

    public static string UserMessage(JsonNode request) => Content(request["messages"]!.AsArray().Last(m => (string?)m!["role"] == "user")!);

    public static string SystemMessage(JsonNode request) => Content(request["messages"]!.AsArray().First(m => (string?)m!["role"] == "system")!);

    private static string Content(JsonNode message) => message["content"] is JsonValue value
        ? value.GetValue<string>()
        : string.Concat(message["content"]!.AsArray().Select(p => (string?)p!["text"]));

    /// <summary>How the stand-in "model" labels a message: by a few words, so tests know what to expect.</summary>
    public static (string Intent, string Sentiment) Label(string text)
    {
        var lower = text.ToLowerInvariant();
        var sentiment = lower.Contains("late", StringComparison.Ordinal) || lower.Contains("crushed", StringComparison.Ordinal) ? "negative"
            : lower.Contains("thank", StringComparison.Ordinal) ? "positive"
            : "neutral";
        var intent = lower.Contains("deliver", StringComparison.Ordinal) || lower.Contains("parcel", StringComparison.Ordinal) ? "delivery-time" : "other";
        return (intent, sentiment);
    }

    private async Task AnswerAsync(JsonNode request, HttpContext http)
    {
        if (request["response_format"] is null)
        {
            Interlocked.Increment(ref _replyCalls);
            await CompletionAsync(http, Mode == Behaviour.ServerError ? null : "NO_ANSWER");
            return;
        }

        EnrichmentCalls.Enqueue(request.ToJsonString());
        await _gate.Task.WaitAsync(http.RequestAborted);
        var items = JsonNode.Parse(UserMessage(request))!.AsArray();
        var delay = items.Count > SlowAbove ? SlowMs : DelayMs;
        if (delay > 0)
        {
            await Task.Delay(delay, http.RequestAborted);
        }

        Interlocked.Increment(ref _answered);
        switch (Mode)
        {
            case Behaviour.ServerError:
                await CompletionAsync(http, null);
                return;
            case Behaviour.Malformed:
                await CompletionAsync(http, "Sure! Here are the labels: positive, negative.");
                return;
            case Behaviour.UnknownLabels:
                await CompletionAsync(http, JsonSerializer.Serialize(new
                {
                    items = items.Select(i => new { n = i!["n"]!.GetValue<int>(), intent = "refund-everything", sentiment = "furious" }),
                }));
                return;
            default:
                await CompletionAsync(http, JsonSerializer.Serialize(new
                {
                    items = items.Select(i =>
                    {
                        var (intent, sentiment) = Label(i!["text"]!.GetValue<string>());
                        return new { n = i["n"]!.GetValue<int>(), intent, sentiment };
                    }),
                }));
                return;
        }
    }

    /// <summary>A chat completion with <paramref name="content"/>; null: a 500.</summary>
    private static Task CompletionAsync(HttpContext http, string? content)
    {
        if (content is not null)
        {
            return ChatStandIn.Reply(http, content);
        }

        http.Response.StatusCode = 500;
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync("""{"error":{"message":"model overloaded"}}""");
    }

    private static TaskCompletionSource Opened()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _server.DisposeAsync();
    }
}
