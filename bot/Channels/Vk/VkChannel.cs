using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SupportBot.Api;
using SupportBot.Security;

namespace SupportBot.Channels.Vk;

/// <summary>Wires VK: options, the typed API client, the sender keyed "vk", the Callback API endpoint and Bots Long Poll.</summary>
public static class VkChannel
{
    public static IHostApplicationBuilder AddVk(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<VkOptions>().BindConfiguration(VkOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<VkOptions>, VkOptionsValidator>();
        // No logging handlers: long poll URLs carry the key, and VK bodies carry tokens and message text.
        builder.Services.AddHttpClient(VkApiClient.HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(120)).RemoveAllLoggers();
        builder.Services.AddSingleton<VkApiClient>();
        builder.Services.TryAddSingleton<CustomerReachability>();
        builder.Services.AddSingleton<VkUpdateHandler>();
        builder.Services.AddKeyedSingleton<IChannelSender, VkSender>(VkConversation.Channel);
        builder.Services.AddKeyedSingleton<IChannelTyping, VkTyping>(VkConversation.Channel);
        builder.Services.AddHostedService<VkLongPoller>();
        return builder;
    }

    /// <summary><c>POST /api/channels/vk/{name}</c>: the Callback API server of each community.</summary>
    public static IEndpointRouteBuilder MapVk(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/channels/vk/{name}", Callback).LimitedAs(Ingress.Webhook);
        return app;
    }

    internal static async Task<IResult> Callback(string name, HttpRequest request, IOptions<VkOptions> options, VkUpdateHandler handler, ILogger<VkUpdateHandler> logger)
    {
        // A Long Poll community has no Callback API secret: posts for it could be forged by anyone, so it has no callback here.
        if (options.Value.Find(name) is not { IsLongPoll: false } community)
        {
            return Problems.NotFound($"No VK community named '{name}' receives Callback API events here.");
        }

        var max = options.Value.MaxBodyBytes;
        if (request.ContentLength > max)
        {
            return Problems.TooLarge(max);
        }

        var body = new byte[max + 1];
        var read = 0;
        while (read < body.Length)
        {
            var n = await request.Body.ReadAsync(body.AsMemory(read), request.HttpContext.RequestAborted);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        if (read > max)
        {
            return Problems.TooLarge(max);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.AsMemory(0, read));
        }
        catch (JsonException)
        {
            return Problems.BadRequest("The body is not JSON.");
        }

        using (document)
        {
            var update = document.RootElement;
            if (!JsonBody.HasReadableText(update))
            {
                return Problems.BadRequest(JsonBody.UnreadableText);
            }

            if (update.ValueKind != JsonValueKind.Object || VkNormalizer.Str(update, "type") is not { } type)
            {
                return Problems.BadRequest("A Callback API event is a JSON object with a 'type'.");
            }

            if (VkNormalizer.Long(update, "group_id") is { } groupId && groupId != community.GroupId)
            {
                VkLog.CallbackRefused(logger, community.Name, "group_id does not match");
                return Problems.Forbidden("The event is for another community.");
            }

            if (type == "confirmation")
            {
                return TypedResults.Text(community.ConfirmationCode ?? "", "text/plain", Encoding.UTF8);
            }

            // Callback mode requires a Secret at start-up; an empty one here still refuses every event.
            if (string.IsNullOrEmpty(community.Secret) || !SecretMatches(community.Secret, VkNormalizer.Str(update, "secret")))
            {
                VkLog.CallbackRefused(logger, community.Name, "wrong secret");
                return Problems.Forbidden("The secret does not match this community's Callback API secret.");
            }

            await handler.HandleAsync(community, update, request.HttpContext.RequestAborted);
            return TypedResults.Text("ok", "text/plain", Encoding.UTF8);
        }
    }

    /// <summary>Constant time whatever the input: both sides are hashed first, so even the length does not leak.</summary>
    private static bool SecretMatches(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(given)));
}
