using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace SupportBot.Security;

/// <summary>Which public ingress an endpoint is, for the rate limits (endpoint metadata).</summary>
public enum Ingress
{
    DirectLine,
    Webhook,
}

/// <summary>
/// The rate limits of the public ingress, as ASP.NET Core's global limiter: per client address for
/// the endpoints marked with <see cref="Ingress"/>, chained with per conversation for Direct Line
/// activities. Refusals are 429 problem details with Retry-After (seconds).
/// </summary>
public static class IngressRateLimits
{
    private const string ConversationRouteValue = "conversationId";

    /// <summary>Marks an endpoint (or group) as public ingress of that kind.</summary>
    public static TBuilder LimitedAs<TBuilder>(this TBuilder builder, Ingress ingress) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new IngressMetadata(ingress));

    private sealed record IngressMetadata(Ingress Kind);

    internal static void Configure(RateLimiterOptions limiter)
    {
        limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
            PartitionedRateLimiter.Create<HttpContext, string>(PerAddress),
            PartitionedRateLimiter.Create<HttpContext, string>(PerConversation));
        limiter.OnRejected = RejectAsync;
    }

    private static RateLimitPartition<string> PerAddress(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method) || context.GetEndpoint()?.Metadata.GetMetadata<IngressMetadata>()?.Kind is not { } ingress)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var perMinute = ingress == Ingress.Webhook ? options.WebhookPerIpPerMinute : options.DirectLinePerIpPerMinute;
        return perMinute == 0
            ? RateLimitPartition.GetNoLimiter("")
            : PerMinute($"{ingress}|{ClientKey(context.Connection.RemoteIpAddress)}", perMinute);
    }

    private static RateLimitPartition<string> PerConversation(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method)
            || context.GetEndpoint()?.Metadata.GetMetadata<IngressMetadata>()?.Kind != Ingress.DirectLine
            || context.Request.RouteValues[ConversationRouteValue] is not string conversationId)
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        var perMinute = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value.DirectLinePerConversationPerMinute;
        return perMinute == 0 ? RateLimitPartition.GetNoLimiter("") : PerMinute("conversation|" + conversationId, perMinute);
    }

    private static RateLimitPartition<string> PerMinute(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });

    /// <summary>The client's address; an IPv6 client usually holds a whole /64, so that counts as one.</summary>
    internal static string ClientKey(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    private static ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken) =>
        WriteTooManyRequestsAsync(rejected, "Too many requests from this address or in this conversation");

    /// <summary>429 with <c>Retry-After</c> and a problem-details body saying <paramref name="what"/> and when to try again.</summary>
    internal static async ValueTask WriteTooManyRequestsAsync(OnRejectedContext rejected, string what)
    {
        var response = rejected.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 60;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await rejected.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = rejected.HttpContext,
            ProblemDetails = { Status = 429, Title = "Too many requests", Detail = $"{what}; try again in {seconds} s." },
        });
    }
}
