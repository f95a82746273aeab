using SupportBot.Contracts;

namespace SupportBot.Dialogs.Engine;

/// <summary>What one turn shares between every dialog context it creates: the activity, the buffered replies, the handoff.</summary>
public sealed class DialogTurn
{
    private readonly List<OutgoingMessage> _replies = new(4);
    private List<LeadRequest>? _requests;
    private Dictionary<string, string>? _recordFields;

    public DialogTurn(ChannelActivity activity, string language, TimeProvider time, TimeZoneInfo timeZone)
    {
        Activity = activity;
        Language = language;
        Time = time;
        TimeZone = timeZone;
    }

    public ChannelActivity Activity { get; }

    /// <summary>en, ru or de.</summary>
    public string Language { get; set; }

    public TimeProvider Time { get; }

    public TimeZoneInfo TimeZone { get; }

    /// <summary>Replies in order; the host sends them after the state is saved.</summary>
    public IReadOnlyList<OutgoingMessage> Replies => _replies;

    public string? HandoffReason { get; internal set; }

    /// <summary>
    /// An interruption took this message's words ("start over"): dialogs begun after it in this turn see no text, so a
    /// root dialog that answers questions does not take "start over" for one.
    /// </summary>
    public bool TextConsumed { get; internal set; }

    /// <summary>
    /// The interruption the runner recognised in the message, also one it left to the root dialog (help or cancel with
    /// no dialog open), so that dialog need not recognise it again.
    /// </summary>
    public Interruption Interruption { get; internal set; }

    /// <summary>Requests the customer made in this turn (each becomes an interest record of action request).</summary>
    public IReadOnlyList<LeadRequest> Requests => (IReadOnlyList<LeadRequest>?)_requests ?? [];

    /// <summary>Fields for this message's inbound interest record (e.g. the FAQ ids an LLM answer was grounded on).</summary>
    public Dictionary<string, string> RecordFields => _recordFields ??= new(StringComparer.Ordinal);

    internal IReadOnlyDictionary<string, string>? RecordFieldsOrNull => _recordFields;

    internal void AddRequest(LeadRequest request) => (_requests ??= []).Add(request);

    internal void Add(OutgoingMessage message) => _replies.Add(message);

    internal void ClearReplies() => _replies.Clear();
}
