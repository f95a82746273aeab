namespace SupportBot.AgentConsole;

/// <summary>
/// The agent's own time zone, as their browser reports it (console/time-zone.js keeps it in a cookie that the page reads
/// when it opens). The console shows every time in it and reads the times an agent types (a follow-up's due time) in it.
/// The server's zone is the container's, often UTC: a Moscow agent would otherwise see every time three hours off, and
/// "remind me at 10:00" would ring at 13:00. Until the browser has said, the server's zone.
/// </summary>
public sealed class AgentClock(TimeProvider time)
{
    public const string Cookie = ".SupportBot.Console.TimeZone";

    public TimeZoneInfo Zone { get; private set; } = time.LocalTimeZone;

    /// <summary>Takes the browser's IANA zone id ("Europe/Moscow"); an unknown or missing one leaves the zone as it is.</summary>
    public void Use(string? zoneId)
    {
        if (zoneId is { Length: > 0 and <= 64 } && TimeZoneInfo.TryFindSystemTimeZoneById(Uri.UnescapeDataString(zoneId), out var zone))
        {
            Zone = zone;
        }
    }

    public DateTimeOffset Now => Local(time.GetUtcNow());

    public DateTimeOffset Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, Zone);

    /// <summary>A time the agent typed (a date-time field has no zone) as the instant it means where they are.</summary>
    public DateTimeOffset FromTyped(DateTime typed)
    {
        var local = DateTime.SpecifyKind(typed, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }
}
