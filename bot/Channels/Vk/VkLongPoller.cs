using System.Text.Json;
using Microsoft.Extensions.Options;
using SupportBot.Pipeline;

namespace SupportBot.Channels.Vk;

/// <summary>
/// Bots Long Poll for communities in <c>longpoll</c> mode (development: no public URL needed):
/// groups.getLongPollServer, then <c>{server}?act=a_check&amp;key&amp;ts&amp;wait</c> in a loop.
/// failed 1 → continue with the returned ts; 2 → new key; 3 → new key and ts. Events go to the
/// same adapter as the Callback API.
/// </summary>
internal sealed class VkLongPoller(VkApiClient api, VkUpdateHandler handler, IOptions<VkOptions> options, ILogger<VkLongPoller> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(options.Value.Communities.Where(c => c.IsLongPoll).Select(c => PollAsync(c, stoppingToken)));

    private async Task PollAsync(VkCommunityOptions community, CancellationToken stoppingToken)
    {
        await Task.Yield();
        VkLog.LongPollStarted(logger, community.Name);
        VkLongPollServer? server = null;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                server ??= await api.GetLongPollServerAsync(community, stoppingToken);
                var answer = await api.CheckLongPollAsync(server, options.Value.LongPollWaitSeconds, stoppingToken);
                failures = 0;
                if (VkNormalizer.Long(answer, "failed") is { } failed)
                {
                    switch (failed)
                    {
                        case 1:
                            server = server with { Ts = VkApiClient.ReadTs(answer.GetProperty("ts")) };
                            VkLog.LongPollFailed(logger, community.Name, failed, "continuing with the new ts (some events were lost)");
                            break;
                        case 2:
                            var fresh = await api.GetLongPollServerAsync(community, stoppingToken);
                            server = fresh with { Ts = server.Ts };
                            VkLog.LongPollFailed(logger, community.Name, failed, "new key, same ts");
                            break;
                        default:
                            server = null;
                            VkLog.LongPollFailed(logger, community.Name, failed, "new key and ts");
                            break;
                    }

                    continue;
                }

                if (answer.TryGetProperty("updates", out var updates) && updates.ValueKind == JsonValueKind.Array)
                {
                    foreach (var update in updates.EnumerateArray())
                    {
                        await HandleOneAsync(community, update, stoppingToken);
                    }
                }

                if (answer.TryGetProperty("ts", out var ts))
                {
                    server = server with { Ts = VkApiClient.ReadTs(ts) };
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Network trouble, VK down, or an error from getLongPollServer: wait a little longer each time.
                failures++;
                var delay = RetryBackoff.Next(failures, firstSeconds: 1, maxSeconds: 32, Random.Shared);
                VkLog.LongPollError(logger, community.Name, delay.TotalSeconds, e.Message);
                if (e is VkApiException)
                {
                    server = null;
                }

                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task HandleOneAsync(VkCommunityOptions community, JsonElement update, CancellationToken stoppingToken)
    {
        // Retried a few times when the store hiccups: the ts moves on after this batch, so an event not accepted now is gone.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await handler.HandleAsync(community, update, stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (attempt >= 3)
                {
                    VkLog.EventFailed(logger, e, community.Name, VkNormalizer.Str(update, "type") ?? "?", VkNormalizer.Str(update, "event_id") ?? "?");
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), stoppingToken);
            }
        }
    }
}
