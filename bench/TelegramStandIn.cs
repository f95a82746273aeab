using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SupportBot.Benchmarks;

/// <summary>
/// The Telegram Bot API as the pipeline bench needs it, on its own loopback Kestrel: getMe,
/// setWebhook and deleteWebhook say yes, getUserProfilePhotos finds no photo, and sendMessage answers at once with a sent message and
/// tells <see cref="MessageSent"/> which chat got it and when. Nothing is kept.
/// </summary>
internal sealed class TelegramStandIn : IAsyncDisposable
{
    private WebApplication? _app;
    private int _messageId;

    public string BaseUrl { get; private set; } = "";

    /// <summary>Called for every sendMessage with the chat id and the stopwatch timestamp of its arrival.</summary>
    public Action<long, long>? MessageSent { get; set; }

    public long SendMessageCalls => Volatile.Read(ref _messageId);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/bot{token}/{method}", HandleAsync);
        await _app.StartAsync();
        BaseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    private async Task HandleAsync(string token, string method, HttpContext context)
    {
        var arrived = System.Diagnostics.Stopwatch.GetTimestamp();
        context.Response.ContentType = "application/json";
        if (string.Equals(method, "sendMessage", StringComparison.OrdinalIgnoreCase))
        {
            long chatId;
            using (var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted))
            {
                chatId = body.RootElement.GetProperty("chat_id").GetInt64();
            }

            var id = Interlocked.Increment(ref _messageId);
            MessageSent?.Invoke(chatId, arrived);
            var date = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
                $$$"""{"ok":true,"result":{"message_id":{{{id}}},"date":{{{date}}},"chat":{"id":{{{chatId}}},"type":"private"},"text":"."}}"""));
            return;
        }

        var result = method.ToLowerInvariant() switch
        {
            "getme" => """{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Bench","username":"bench_bot"}}""",
            "setwebhook" or "deletewebhook" or "answercallbackquery" => """{"ok":true,"result":true}""",
            // Authors without a profile photo, as many real users are: the host asks once per new author.
            "getuserprofilephotos" => """{"ok":true,"result":{"total_count":0,"photos":[]}}""",
            _ => null,
        };
        if (result is null)
        {
            context.Response.StatusCode = 404;
            result = """{"ok":false,"error_code":404,"description":"Not Found: method not found"}""";
        }

        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(result));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
