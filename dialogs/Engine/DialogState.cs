namespace SupportBot.Dialogs.Engine;

/// <summary>A conversation's dialog state: the stack, the language, and the store's version for compare-and-set.</summary>
public sealed class DialogState
{
    /// <summary>The version this state was loaded at (0: never saved). Stores bump it on save.</summary>
    public long Version { get; set; }

    /// <summary>en, ru or de once known.</summary>
    public string? Language { get; set; }

    public List<DialogInstance> Stack { get; } = new(2);
}
