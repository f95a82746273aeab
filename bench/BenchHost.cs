using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SupportBot.Benchmarks;

/// <summary>
/// The real host (the bot's own Program, all of it) on real Kestrel on a free loopback port, on
/// the given Redis. The only addition is the bench's <c>POST /bench/echo</c> baseline.
/// </summary>
internal sealed class BenchHost(string redisConnection, IReadOnlyDictionary<string, string?> extraSettings) : WebApplicationFactory<Program>
{
    /// <summary>The settings the bench always applies; <c>--set</c> may override them.</summary>
    public static readonly IReadOnlyDictionary<string, string?> BaseSettings = new Dictionary<string, string?>
    {
        // Every bench conversation asks for a visitor token from 127.0.0.1.
        ["Channels:WebChat:TokenRequestsPerMinutePerIp"] = "100000",
        // The load comes from one address into few conversations: the ingress rate limits would measure themselves.
        ["RateLimits:DirectLinePerIpPerMinute"] = "0",
        ["RateLimits:DirectLinePerConversationPerMinute"] = "0",
        ["RateLimits:WebhookPerIpPerMinute"] = "0",
        ["Logging:LogLevel:Default"] = "Warning",
        // stdout carries the result lines only; the host's log lines go to stderr.
        ["Logging:Console:LogToStandardErrorThreshold"] = "Trace",
    };

    public Uri BaseAddress { get; private set; } = null!;

    public void Start()
    {
        UseKestrel(0);
        StartServer();
        BaseAddress = ClientOptions.BaseAddress;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // The factory defaults to Development; measure what runs in production.
        builder.UseEnvironment(Environments.Production);
        builder.UseSetting("Redis:Connection", redisConnection);
        foreach (var (key, value) in BaseSettings)
        {
            builder.UseSetting(key, value);
        }

        foreach (var (key, value) in extraSettings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddTransient<IStartupFilter, EchoStartupFilter>());
    }

    /// <summary>
    /// Puts <c>POST /bench/echo</c> in front of the bot's pipeline: parse a small JSON body, write it
    /// back. It measures what the same process, Kestrel and client do for a trivial JSON request.
    /// </summary>
    private sealed class EchoStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map("/bench/echo", echo => echo.Run(EchoAsync));
            next(app);
        };

        private static async Task EchoAsync(HttpContext context)
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            JsonDocument body;
            try
            {
                body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            }
            catch (JsonException)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            using (body)
            {
                context.Response.ContentType = "application/json";
                await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
                body.WriteTo(writer);
                await writer.FlushAsync(context.RequestAborted);
            }
        }
    }
}
