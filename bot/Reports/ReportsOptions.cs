using Microsoft.Extensions.Options;

namespace SupportBot.Reports;

/// <summary><c>Reports:*</c> settings.</summary>
public sealed class ReportsOptions
{
    public const string Section = "Reports";

    /// <summary>
    /// IANA time zone whose calendar days the counters use (e.g. Europe/Moscow). Changing it later
    /// leaves the days already counted in the old zone: buckets are fixed when a record arrives.
    /// </summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The zone, or null when <see cref="TimeZone"/> names none.</summary>
    public TimeZoneInfo? FindZone() =>
        TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out var zone) ? zone : null;
}

internal sealed class ReportsOptionsValidator : IValidateOptions<ReportsOptions>
{
    public ValidateOptionsResult Validate(string? name, ReportsOptions options)
    {
        var errors = new List<string>();
        if (options.FindZone() is null)
        {
            errors.Add($"Reports:TimeZone '{options.TimeZone}' is not a known IANA time zone (e.g. UTC, Europe/Moscow).");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
