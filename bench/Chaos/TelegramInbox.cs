using System.Collections.Concurrent;
using SupportBot.FunctionalTests.Channels.Telegram;

namespace SupportBot.Chaos;

/// <summary>
/// What each Telegram customer sees: the sendMessage calls the Bot API stand-in received for their
/// chat, in arrival order (HTML entities undone, as the app shows them), with a wait for the next one.
/// </summary>
internal sealed class TelegramInbox
{
    private readonly ConcurrentDictionary<long, Chat> _chats = new();

    public TelegramInbox(TelegramApiStandIn api) => api.CallReceived += OnCall;

    /// <summary>Raised with the time of every message delivered to any chat.</summary>
    public event Action<DateTimeOffset>? Delivered;

    public IReadOnlyList<SeenReply> Messages(long chatId)
    {
        var chat = _chats.GetOrAdd(chatId, _ => new Chat());
        lock (chat)
        {
            return [.. chat.Messages];
        }
    }

    public int Count(long chatId) => Messages(chatId).Count;

    /// <summary>Waits until the chat has more than <paramref name="count"/> messages; false on timeout.</summary>
    public async Task<bool> WaitForMoreThanAsync(long chatId, int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var chat = _chats.GetOrAdd(chatId, _ => new Chat());
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Task next;
            lock (chat)
            {
                if (chat.Messages.Count > count)
                {
                    return true;
                }

                next = chat.Next.Task;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            await Task.WhenAny(next, Task.Delay(left, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private void OnCall(TelegramApiCall call)
    {
        if (!string.Equals(call.Method, "sendMessage", StringComparison.OrdinalIgnoreCase) || call.Body["chat_id"]?.GetValue<long>() is not { } chatId)
        {
            return;
        }

        var text = (call.Body["text"]?.GetValue<string>() ?? "").Replace("&lt;", "<", StringComparison.Ordinal)
            .Replace("&gt;", ">", StringComparison.Ordinal).Replace("&amp;", "&", StringComparison.Ordinal);
        var chat = _chats.GetOrAdd(chatId, _ => new Chat());
        TaskCompletionSource woken;
        lock (chat)
        {
            chat.Messages.Add(new SeenReply(text, null, call.At));
            woken = chat.Next;
            chat.Next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        woken.TrySetResult();
        Delivered?.Invoke(call.At);
    }

    private sealed class Chat
    {
        public List<SeenReply> Messages { get; } = [];

        public TaskCompletionSource Next { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
