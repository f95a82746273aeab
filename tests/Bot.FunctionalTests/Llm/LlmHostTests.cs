using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SupportBot.FunctionalTests.Infrastructure;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Llm;

/// <summary>The whole host with <c>Llm:*</c> pointing at a loopback OpenAI-compatible stand-in.</summary>
public sealed class LlmHostTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task UnknownQuestion_ModelAnswers_RecordKeepsTheSources_NoPiiOnTheWire()
    {
        var bodies = new ConcurrentQueue<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var model = builder.Build();
        model.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            bodies.Enqueue(await reader.ReadToEndAsync(http.RequestAborted));
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync("""{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Gift wrapping is free."},"finish_reason":"stop"}]}""");
        });
        await model.StartAsync(Ct);

        await using var host = new BotFactory(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Llm:Provider"] = "openai-compatible",
            ["Llm:Endpoint"] = model.Urls.First() + "/v1",
            ["Llm:Model"] = "stand-in",
            // The enrichment worker would send the customer's record to this stand-in too, on its own clock (every 3 s),
            // possibly between the reply and the count below; it has its own tests (EnrichmentHostTests).
            ["Llm:Enrichment"] = "false",
        });
        var chat = new DirectLineTestClient(host.CreateClient());
        var conversation = await chat.StartAsync();

        // Nothing in the shipped FAQ is about it, so the model answers.
        await chat.SendAsync(conversation, "do you sponsor local football clubs? write to zed@example.com");
        var replies = await chat.WaitForBotMessagesAsync(conversation, 2);

        Assert.Contains(replies, r => (string?)r["text"] == "Gift wrapping is free.");
        var wire = Assert.Single(bodies);
        Assert.DoesNotContain("zed@example.com", wire, StringComparison.Ordinal);
        Assert.Contains("[email-1]", wire, StringComparison.Ordinal);
        var api = host.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        var record = (await api.GetFromJsonAsync<JsonObject>("/api/interests?action=message&pageSize=500", Ct))!["items"]!.AsArray()
            .Single(r => r!["conversationId"]!.GetValue<string>() == "webchat:" + conversation.ConversationId && (string?)r["direction"] == "in")!;
        Assert.False(string.IsNullOrEmpty(record["fields"]!["llm_sources"]!.GetValue<string>()));
        Assert.Equal("true", record["fields"]!["llm_answered"]!.GetValue<string>());
        Assert.True(record["processed"]!.GetValue<bool>());
        Assert.Equal("unknown", record["intent"]!.GetValue<string>());
        Assert.Equal("neutral", record["sentiment"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokenBudget_CountedInRedis_ARestartedHostKnowsTheSpend()
    {
        await using var model = await EnrichmentModelStandIn.StartAsync();
        var settings = model.Settings(("Llm:Enrichment", "false"), ("Llm:TokenBudgetPerConversation", "20")); // 15 tokens a call
        var first = new BotFactory(redis.ConnectionString, settings);
        var chat = new DirectLineTestClient(first.CreateClient());
        var conversation = await chat.StartAsync();
        await chat.SendAsync(conversation, "qwerty zxcv one");
        await chat.SendAsync(conversation, "qwerty zxcv two");
        await chat.WaitForBotMessagesAsync(conversation, 3);
        Assert.Equal(2, model.ReplyCalls);
        await first.DisposeAsync();

        await using var second = new BotFactory(redis.ConnectionString, settings);
        chat = new DirectLineTestClient(second.CreateClient());
        await chat.SendAsync(conversation, "qwerty zxcv three");
        await chat.WaitForBotMessagesAsync(conversation, 4);

        Assert.Equal(2, model.ReplyCalls); // 30 of 20 spent: the scripted path answered without asking
    }

    [Fact]
    public async Task Startup_BadProvider_OneLineNamingTheSetting()
    {
        var workDir = Directory.CreateTempSubdirectory("sb-llm-").FullName;
        await using var bot = BotProcess.Start(workDir, new Dictionary<string, string>
        {
            ["Llm__Provider"] = "gemini",
            ["Llm__Endpoint"] = "http://localhost:11434/v1",
            ["Llm__Model"] = "m",
            ["Storage__DataDir"] = Path.Combine(workDir, "data"),
        });

        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(120));

        Assert.Equal(1, exitCode);
        var line = Assert.Single(bot.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Llm:Provider", line);
        Assert.Contains("gemini", line);
    }
}
