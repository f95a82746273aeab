using System.Collections.Concurrent;

namespace SupportBot.Dialogs.Engine;

/// <summary>A saved state: its JSON (empty when none) and its version (0 when none).</summary>
public readonly record struct StoredDialogState(ReadOnlyMemory<byte> Json, long Version);

/// <summary>Another turn saved this conversation's state first; reload and run the turn again.</summary>
public sealed class ConcurrencyException(string conversationId, long expectedVersion, long actualVersion)
    : Exception($"Dialog state of '{conversationId}' is at version {actualVersion}, not {expectedVersion}: another turn saved it first.")
{
    public string ConversationId { get; } = conversationId;

    public long ExpectedVersion { get; } = expectedVersion;

    public long ActualVersion { get; } = actualVersion;
}

/// <summary>
/// Where dialog state lives between turns: one JSON value per conversation with a version. Saves are
/// compare-and-set on the version, so a concurrent turn is detected (<see cref="ConcurrencyException"/>),
/// never silently overwritten.
/// </summary>
public interface IDialogStateStore
{
    ValueTask<StoredDialogState> LoadAsync(string conversationId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves <paramref name="json"/> (whose <c>"v"</c> is <paramref name="expectedVersion"/> + 1) if the stored version is still
    /// <paramref name="expectedVersion"/>; otherwise throws <see cref="ConcurrencyException"/>. The store may keep <paramref name="json"/>.
    /// </summary>
    ValueTask SaveAsync(string conversationId, ReadOnlyMemory<byte> json, long expectedVersion, CancellationToken cancellationToken = default);

    ValueTask DeleteAsync(string conversationId, CancellationToken cancellationToken = default);
}

/// <summary>For tests, benchmarks and single-process demos: a dictionary of JSON values with versions.</summary>
public sealed class InMemoryDialogStateStore : IDialogStateStore
{
    private readonly ConcurrentDictionary<string, StoredDialogState> _states = new(StringComparer.Ordinal);

    public int Count => _states.Count;

    public ValueTask<StoredDialogState> LoadAsync(string conversationId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_states.TryGetValue(conversationId, out var state) ? state : default);

    public ValueTask SaveAsync(string conversationId, ReadOnlyMemory<byte> json, long expectedVersion, CancellationToken cancellationToken = default)
    {
        var next = new StoredDialogState(json, expectedVersion + 1);
        if (expectedVersion == 0)
        {
            if (!_states.TryAdd(conversationId, next))
            {
                throw new ConcurrencyException(conversationId, expectedVersion, _states.TryGetValue(conversationId, out var other) ? other.Version : 0);
            }

            return ValueTask.CompletedTask;
        }

        if (!_states.TryGetValue(conversationId, out var current) || current.Version != expectedVersion || !_states.TryUpdate(conversationId, next, current))
        {
            throw new ConcurrencyException(conversationId, expectedVersion, _states.TryGetValue(conversationId, out var other) ? other.Version : 0);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(string conversationId, CancellationToken cancellationToken = default)
    {
        _states.TryRemove(conversationId, out _);
        return ValueTask.CompletedTask;
    }
}
