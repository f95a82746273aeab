using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace SupportBot.FunctionalTests.Infrastructure;

/// <summary>The real host (Program) on a given store, with test keys and fast polling.</summary>
public sealed class BotFactory(string redisConnection, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public const string ApiKey = "test-api-key-0123456789";
    public const string DirectLineSecret = "test-directline-secret-0123456789";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Redis:Connection", redisConnection);
        builder.UseSetting("Api:Keys:0", ApiKey);
        builder.UseSetting("Channels:WebChat:Secret", DirectLineSecret);
        builder.UseSetting("Pipeline:PollMilliseconds", "50");
        // Every test conversation asks for a visitor token from the same (test) address; the limit has its own test.
        builder.UseSetting("Channels:WebChat:TokenRequestsPerMinutePerIp", "100000");
        // Likewise the ingress limits (tests post hundreds of messages into one conversation): Security/SecurityTests turns them on.
        builder.UseSetting("RateLimits:DirectLinePerIpPerMinute", "0");
        builder.UseSetting("RateLimits:DirectLinePerConversationPerMinute", "0");
        builder.UseSetting("RateLimits:WebhookPerIpPerMinute", "0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }
}
