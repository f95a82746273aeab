namespace SupportBot.Interests;

/// <summary>
/// Told about the interest log's changes (report counters, distribution, CRM export). Called after
/// the change is stored; a failing observer is logged and does not undo it.
/// </summary>
public interface IInterestObserver
{
    /// <summary>A record was written for the first time (a re-run of the same event is not reported again).</summary>
    Task RecordAddedAsync(InterestRecord record);

    /// <summary>A stored record changed (taken, processed, …): the record as it was and as it is now.</summary>
    Task RecordChangedAsync(InterestRecord before, InterestRecord after);

    /// <summary>Records were removed past the retention (<c>Interests:RetentionDays</c>), with their indexes.</summary>
    Task RecordsRemovedAsync(IReadOnlyList<InterestRecord> records) => Task.CompletedTask;
}
