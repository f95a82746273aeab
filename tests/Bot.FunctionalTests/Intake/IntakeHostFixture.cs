using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using SupportBot.FunctionalTests.Infrastructure;
using SupportBot.Intake;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.FunctionalTests.Intake;

/// <summary>
/// A store and a host with three sites: <c>shop</c> (its origin set), <c>blog</c> (no origins, confirmation e-mails on,
/// sent to a recording stand-in of the e-mail channel) and <c>tiny</c> (3 submissions per minute per address).
/// A test may name the client address in <c>X-Test-Client-Ip</c> (the test server has no real one).
/// </summary>
public sealed class IntakeHostFixture<TStore> : IAsyncLifetime where TStore : IStore, IAsyncLifetime, new()
{
    public const string ShopKey = "shop-site-key-0123456789";
    public const string BlogKey = "blog-site-key-0123456789";
    public const string TinyKey = "tiny-site-key-0123456789";
    public const string ShopOrigin = "https://shop.example";
    public const string ClientIpHeader = "X-Test-Client-Ip";

    public TStore Store { get; } = new();

    public BotFactory Factory { get; private set; } = null!;

    public RecordingConfirmations Confirmations { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Store.InitializeAsync();
        Factory = new BotFactory(
            Store.ConnectionString,
            new Dictionary<string, string?>
            {
                ["Intake:Sites:0:Name"] = "shop",
                ["Intake:Sites:0:Key"] = ShopKey,
                ["Intake:Sites:0:Origins:0"] = ShopOrigin,
                ["Intake:Sites:1:Name"] = "blog",
                ["Intake:Sites:1:Key"] = BlogKey,
                ["Intake:Sites:1:ConfirmationEmail"] = "true",
                ["Intake:Sites:2:Name"] = "tiny",
                ["Intake:Sites:2:Key"] = TinyKey,
                ["Intake:Sites:2:RequestsPerMinutePerIp"] = "3",
                ["Intake:RequestsPerMinutePerIp"] = "100000",
            },
            services =>
            {
                services.AddSingleton<IFormConfirmationSender>(Confirmations);
                services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
            });
        _ = Factory.Server;
    }

    public HttpClient Site(string? key, string? clientIp = null)
    {
        var client = Factory.CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        if (clientIp is not null)
        {
            client.DefaultRequestHeaders.Add(ClientIpHeader, clientIp);
        }

        return client;
    }

    public HttpClient Api()
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", BotFactory.ApiKey);
        return client;
    }

    /// <summary>Posts a form as JSON (fields with null values are left out).</summary>
    public static Task<HttpResponseMessage> PostJsonAsync(HttpClient site, object fields, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/intake/form") { Content = JsonContent.Create(fields) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add(FormIntake.IdempotencyHeader, idempotencyKey);
        }

        return site.SendAsync(request, Ct);
    }

    public static Task<HttpResponseMessage> PostFormAsync(HttpClient site, IEnumerable<KeyValuePair<string, string>> fields) =>
        site.PostAsync("/api/intake/form", new FormUrlEncodedContent(fields), Ct);

    /// <summary>202 with the record id.</summary>
    public static async Task<string> AcceptedIdAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<string>();
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Store.DisposeAsync();
    }

    /// <summary>Sets the connection's remote address from <see cref="ClientIpHeader"/>, so a test can be two visitors.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[ClientIpHeader].ToString(), out var address))
                {
                    context.Connection.RemoteIpAddress = address;
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }
}

/// <summary>Stands in for the e-mail channel's confirmation sender: records what it was asked to send.</summary>
public sealed class RecordingConfirmations : IFormConfirmationSender
{
    public ConcurrentQueue<FormConfirmation> Sent { get; } = new();

    public bool CanSend => true;

    public Task SendAsync(FormConfirmation confirmation, CancellationToken cancellationToken)
    {
        Sent.Enqueue(confirmation);
        return Task.CompletedTask;
    }
}
