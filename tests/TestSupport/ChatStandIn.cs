using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SupportBot.TestSupport;

/// <summary>
/// A local OpenAI-compatible <c>/v1/chat/completions</c> (and a shop's <c>/orders/{id}</c>) over real
/// HTTP on a loopback port. Each chat request's body is recorded; <see cref="Chat"/> decides the answer.
/// </summary>
public sealed class ChatStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentQueue<string> Requests { get; } = new();

    public ConcurrentQueue<string> OrderLookups { get; } = new();

    public ConcurrentQueue<string> AzureCalls { get; } = new();

    /// <summary>Given the request (parsed) and its 0-based index, writes the response. Default: "OK".</summary>
    public Func<JsonNode, int, HttpContext, Task> Chat { get; set; } = (_, _, http) => Reply(http, "OK");

    public string BaseUrl { get; }

    public string Endpoint => BaseUrl + "/v1";

    private ChatStandIn(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public static async Task<ChatStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        ChatStandIn? self = null;
        var count = 0;
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            self!.Requests.Enqueue(body);
            await self.Chat(JsonNode.Parse(body)!, Interlocked.Increment(ref count) - 1, http);
        });
        // Azure OpenAI's shape: the deployment in the path, the key in an api-key header.
        app.MapPost("/openai/deployments/{deployment}/chat/completions", async (HttpContext http, string deployment) =>
        {
            self!.AzureCalls.Enqueue($"{deployment} key={http.Request.Headers["api-key"]}");
            using var reader = new StreamReader(http.Request.Body);
            self.Requests.Enqueue(await reader.ReadToEndAsync(http.RequestAborted));
            await Reply(http, "From Azure.");
        });
        app.MapGet("/orders/{id}", (string id) =>
        {
            self!.OrderLookups.Enqueue(id);
            return id == "A-10023" ? Results.Json(new { order = id, status = "shipped", eta = "2026-12-01" }) : Results.NotFound();
        });
        await app.StartAsync();
        self = new ChatStandIn(app, app.Urls.First());
        return self;
    }

    public static Task Reply(HttpContext http, string? content) => Json(http, new JsonObject
    {
        ["role"] = "assistant",
        ["content"] = content,
    }, "stop");

    public static Task ToolCall(HttpContext http, string function, object arguments, string id = "call_1") => Json(http, new JsonObject
    {
        ["role"] = "assistant",
        ["content"] = null,
        ["tool_calls"] = new JsonArray(new JsonObject
        {
            ["id"] = id,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = "shop-" + function, ["arguments"] = JsonSerializer.Serialize(arguments) },
        }),
    }, "tool_calls");

    private static Task Json(HttpContext http, JsonObject message, string finish)
    {
        var response = new JsonObject
        {
            ["id"] = "chatcmpl-1",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = "stand-in",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finish }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = 5, ["total_tokens"] = 15 },
        };
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(response.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
