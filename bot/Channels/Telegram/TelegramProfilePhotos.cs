using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using SupportBot.Contracts;
using Telegram.Bot;
using Telegram.Bot.Exceptions;

namespace SupportBot.Channels.Telegram;

/// <summary>
/// Customers' profile photos for their records and cards: getUserProfilePhotos once per user and bot
/// (cached), the smallest size of at least 100 px, handed out as a path on our own file proxy (the
/// Bot API's file URL carries the token). An update waits at most <c>Channels:Telegram:AuthorWaitMilliseconds</c>
/// for a new author's photo, so the webhook's 200 stays fast; a slower lookup still finishes and fills
/// the cache for the next record. Updates of one author arriving together share one lookup (single flight),
/// and a lookup that fails in any way leaves the author without a photo: it never fails the message.
/// </summary>
public sealed class TelegramProfilePhotos(TelegramBots bots, TelegramStore store, IOptions<TelegramOptions> options, ILogger<TelegramProfilePhotos> logger)
{
    /// <summary>The smallest side a photo needs to make a sharp avatar.</summary>
    public const int MinSide = 100;

    /// <summary>Lookups under way on this instance, by bot and user; each removes itself when done.</summary>
    private readonly ConcurrentDictionary<(string Bot, long User), Lazy<Task<string?>>> _inFlight = new();

    /// <summary>The user with <see cref="ChannelUser.PhotoUrl"/> set when they have a photo the bot may see.</summary>
    public async Task<ChannelUser> WithPhotoAsync(TelegramBotOptions bot, ChannelUser user, CancellationToken cancellationToken)
    {
        if (user.PhotoUrl is not null || !long.TryParse(user.Id, NumberStyles.None, CultureInfo.InvariantCulture, out var userId) || userId <= 0)
        {
            return user; // already known, or an anonymous group admin / a channel, which have no profile photos
        }

        string? cached;
        try
        {
            cached = await store.ProfilePhotoAsync(bot.Name, userId);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            TelegramLog.ProfilePhotoFailed(logger, bot.Name, e.Message);
            return user; // the photo is a nicety: the message goes on without it
        }

        if (cached is not null)
        {
            return cached.Length > 0 ? user with { PhotoUrl = TelegramAdapter.FileUrl(bot, cached) } : user;
        }

        var lookup = Shared(bot, userId);
        var first = await Task.WhenAny(lookup, Task.Delay(TimeSpan.FromMilliseconds(options.Value.AuthorWaitMilliseconds), cancellationToken));
        return first == lookup && await lookup is { } fileId ? user with { PhotoUrl = TelegramAdapter.FileUrl(bot, fileId) } : user;
    }

    /// <summary>The lookup for this bot and user already under way here, or a new one.</summary>
    private Task<string?> Shared(TelegramBotOptions bot, long userId)
    {
        var key = (bot.Name, userId);
        var flight = _inFlight.GetOrAdd(key, _ => new Lazy<Task<string?>>(() => LookUpAsync(bot, userId)));
        var task = flight.Value;
        // Once done, the next update reads the cache (or, with caching off, asks again).
        _ = task.ContinueWith(_ => _inFlight.TryRemove(new KeyValuePair<(string, long), Lazy<Task<string?>>>(key, flight)), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <summary>Never throws: whatever goes wrong (the Bot API, the network, an answer we cannot read, Redis) is logged and means "no photo".</summary>
    private async Task<string?> LookUpAsync(TelegramBotOptions bot, long userId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var photos = await bots.Client(bot).GetUserProfilePhotos(userId, limit: 1, cancellationToken: timeout.Token);
            var sizes = photos.Photos?.FirstOrDefault() ?? [];
            var chosen = sizes.Where(s => Math.Min(s.Width, s.Height) >= MinSide).MinBy(s => (long)s.Width * s.Height)
                ?? sizes.MaxBy(s => (long)s.Width * s.Height);
            var hours = options.Value.UserCacheHours;
            if (hours > 0)
            {
                // "" remembers "no photo" (none set, or hidden from bots) as well, so it is not asked on every message.
                await store.RememberProfilePhotoAsync(bot.Name, userId, chosen?.FileId ?? "", TimeSpan.FromHours(hours));
            }

            return chosen?.FileId;
        }
        catch (Exception e) when (e is RequestException or HttpRequestException or OperationCanceledException or RedisException or TimeoutException)
        {
            TelegramLog.ProfilePhotoFailed(logger, bot.Name, e.Message);
            return null;
        }
        catch (Exception e)
        {
            // Not expected (e.g. an answer that does not read as UserProfilePhotos): logged with its stack, the message goes on.
            TelegramLog.ProfilePhotoError(logger, bot.Name, e);
            return null;
        }
    }
}
