namespace SupportBot.Dialogs.Engine;

/// <summary>
/// The dialogs a bot (or a component) knows, by id. Instances are created once and shared by every
/// conversation. Adding a second dialog with an id already taken throws: silent renames hide bugs.
/// </summary>
public sealed class DialogSet
{
    private readonly Dictionary<string, Dialog> _dialogs = new(StringComparer.Ordinal);

    public DialogSet Add(Dialog dialog)
    {
        ArgumentNullException.ThrowIfNull(dialog);
        if (!_dialogs.TryAdd(dialog.Id, dialog))
        {
            throw new InvalidOperationException(
                $"A dialog with id '{dialog.Id}' is already registered ({_dialogs[dialog.Id].GetType().Name}); ids must be unique.");
        }

        return this;
    }

    /// <summary>Registration by type: <c>dialogs.Add&lt;ReturnsDialog&gt;()</c>.</summary>
    public DialogSet Add<TDialog>()
        where TDialog : Dialog, new() => Add(new TDialog());

    public Dialog? Find(string id) => _dialogs.GetValueOrDefault(id);

    public Dialog Get(string id) =>
        _dialogs.TryGetValue(id, out var dialog) ? dialog : throw new InvalidOperationException($"No dialog with id '{id}' is registered.");

    public bool Contains(string id) => _dialogs.ContainsKey(id);

    public IEnumerable<Dialog> All => _dialogs.Values;
}
