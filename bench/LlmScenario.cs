using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Llm;

namespace SupportBot.Benchmarks;

/// <summary>
/// <c>llm [--conversations N]</c>: the LLM path's own overhead. An instant OpenAI-compatible stand-in on
/// loopback Kestrel answers every chat completion at once; N grounded answers go through
/// <see cref="LlmAssistant"/> (PII masking, prompt with three FAQ sources, the Semantic Kernel OpenAI
/// connector, the Polly timeout + circuit breaker, reply parsing), one at a time. The baseline is a bare
/// HttpClient POST of a similar body to the same stand-in, so the difference is what the LLM path adds.
/// </summary>
internal static class LlmScenario
{
    private const int WarmUp = 1000;

    private static readonly byte[] Completion = Encoding.UTF8.GetBytes(
        """{"id":"c","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Delivery takes 2-5 working days."},"finish_reason":"stop"}],"usage":{"prompt_tokens":200,"completion_tokens":10,"total_tokens":210}}""");

    public static async Task<int> RunAsync(BenchArgs options, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            // Read the body as a real server would, then answer at once.
            await http.Request.Body.CopyToAsync(Stream.Null, http.RequestAborted);
            http.Response.ContentType = "application/json";
            await http.Response.Body.WriteAsync(Completion, http.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        var baseUrl = app.Urls.First();

        var content = ContentCatalog.Load(Path.Combine(AppContext.BaseDirectory, "content"));
        var sources = content.Faq.Take(3).ToList();
        var knowledge = KnowledgeBase.Load(Path.Combine(AppContext.BaseDirectory, "content", "knowledge"));
        using var llm = new LlmAssistant(
            new LlmOptions { Provider = "openai-compatible", Endpoint = baseUrl + "/v1", Model = "bench", TokenBudgetPerConversation = 0 },
            new SkillsOptions { OrderStatus = { Url = baseUrl + "/orders/{order}" } },
            businessHours: _ => "Mon-Fri 09:00-18:00",
            knowledge: () => knowledge);
        var questions = new[]
        {
            "Can I pay in instalments if I call you at +7 916 123-45-67?",
            "How much is gift wrapping? my mail is a.b@example.com",
            "Wie lange dauert die Lieferung nach Wien?",
            "Можно ли вернуть товар без чека?",
        };

        using var http = new HttpClient();
        var baselineBody = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { model = "bench", messages = new[] { new { role = "user", content = questions[0] } } }));

        BenchProgram.Progress($"llm: stand-in on {baseUrl}; {knowledge.Chunks.Count} knowledge chunks; warm-up {WarmUp} calls");
        var calls = options.Conversations;
        await MeasureAsync(WarmUp, i => Ask(llm, questions, sources, i, cancellationToken));
        await MeasureAsync(WarmUp, _ => Post(http, baseUrl, baselineBody, cancellationToken));
        GC.Collect();
        BenchProgram.Progress($"llm: {calls} grounded answers, one at a time");
        var (llmMs, failed) = await MeasureAsync(calls, i => Ask(llm, questions, sources, i, cancellationToken));
        var (baseMs, _) = await MeasureAsync(calls, _ => Post(http, baseUrl, baselineBody, cancellationToken));

        var p50 = BenchProgram.Percentile(llmMs, 50);
        var p99 = BenchProgram.Percentile(llmMs, 99);
        var line = new JsonObject
        {
            ["scenario"] = "llm",
            ["calls"] = calls,
            ["failed"] = failed,
            ["p50_ms"] = BenchProgram.Round(p50, 3),
            ["p90_ms"] = BenchProgram.Round(BenchProgram.Percentile(llmMs, 90), 3),
            ["p99_ms"] = BenchProgram.Round(p99, 3),
            ["max_ms"] = BenchProgram.Round(llmMs.LastOrDefault(), 3),
            ["baseline_http_p50_ms"] = BenchProgram.Round(BenchProgram.Percentile(baseMs, 50), 3),
            ["baseline_http_p99_ms"] = BenchProgram.Round(BenchProgram.Percentile(baseMs, 99), 3),
            ["target_p99_ms"] = 5,
            ["cores"] = Environment.ProcessorCount,
        };
        Console.Out.WriteLine(line.ToJsonString());
        BenchProgram.Progress($"llm: p50 {p50:0.000} ms, p99 {p99:0.000} ms (bare HTTP p99 {line["baseline_http_p99_ms"]} ms), {failed} not answered");
        await app.StopAsync(CancellationToken.None);
        return failed == 0 && p99 <= 5 ? 0 : 1;
    }

    private static async Task<bool> Ask(LlmAssistant llm, string[] questions, IReadOnlyList<FaqEntry> sources, int i, CancellationToken cancellationToken)
    {
        var answer = await llm.AnswerAsync(new LlmQuestion("bench-" + i, questions[i % questions.Length], "en", sources), cancellationToken);
        return answer.Outcome == LlmOutcome.Answered;
    }

    private static async Task<bool> Post(HttpClient http, string baseUrl, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(baseUrl + "/v1/chat/completions", content, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.IsSuccessStatusCode;
    }

    /// <summary>Sorted latencies in ms and the count of calls that did not succeed.</summary>
    private static async Task<(double[] Ms, int Failed)> MeasureAsync(int count, Func<int, Task<bool>> call)
    {
        var ms = new double[count];
        var failed = 0;
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            if (!await call(i))
            {
                failed++;
            }

            ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(ms);
        return (ms, failed);
    }
}
