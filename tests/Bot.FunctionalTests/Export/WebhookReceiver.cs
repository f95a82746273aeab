using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace SupportBot.FunctionalTests.Export;

/// <summary>One POST the receiver got: the exact body bytes and the headers that matter.</summary>
public sealed record ReceivedWebhook(byte[] Body, string? Signature, string? Id, string? Event, string? Timestamp)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();

    public string RecordId => Json["record"]!["id"]!.GetValue<string>();
}

/// <summary>
/// An external CRM's webhook endpoint as a real Kestrel server on a fixed loopback port, so it can be stopped
/// (the receiver is down) and started again at the same address. It keeps everything it received and answers
/// with <see cref="Answer"/> (200 unless a test says otherwise).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Secret = "crm-webhook-secret-0123456789abcdef";

    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private WebApplication? _app;

    public WebhookReceiver()
    {
        Port = RedisServerFixture.FreePort();
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks/support?token=in-query";

    /// <summary>The status to answer a delivery with (the body is given).</summary>
    public Func<JsonObject, int> Answer { get; set; } = _ => StatusCodes.Status200OK;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public bool Running => _app is not null;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hooks/support", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var headers = context.Request.Headers;
            var received = new ReceivedWebhook(buffer.ToArray(), headers["X-Signature-256"], headers["X-Webhook-Id"], headers["X-Webhook-Event"], headers["X-Webhook-Timestamp"]);
            _received.Enqueue(received);
            return Results.StatusCode(Answer(received.Json));
        });
        await app.StartAsync();
        _app = app;
    }

    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>What a receiver computes to check a delivery: HMAC-SHA256 of the exact body under the shared secret.</summary>
    public static string ExpectedSignature(byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));

    public ValueTask DisposeAsync() => new(StopAsync());
}
