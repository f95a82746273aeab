using Microsoft.Extensions.Options;
using SupportBot.Handoff;
using SupportBot.Handoff.Departments;

namespace SupportBot.Interests;

public enum DistributionMode
{
    /// <summary>Agents take records from the feed themselves.</summary>
    None,
    /// <summary>Each new record to the next agent on duty, in turn.</summary>
    RoundRobin,
    /// <summary>Each new record to the agent on duty with the fewest open records.</summary>
    LeastLoaded,
}

/// <summary><c>Interests:*</c>: how the interest feed works.</summary>
public sealed class InterestsOptions
{
    public const string Section = "Interests";

    /// <summary>Who becomes responsible for a new open record no rule matches: None (default), RoundRobin or LeastLoaded.</summary>
    public DistributionMode Distribution { get; set; } = DistributionMode.None;

    /// <summary>Rules per product or source, tried in order; the first that matches a record decides its department and distribution.</summary>
    public List<InterestRule> Rules { get; set; } = [];

    /// <summary>Records older than this many days are removed with their index entries (0 = kept forever).</summary>
    public int RetentionDays { get; set; } = 365;

    /// <summary>How often an instance looks for records past the retention.</summary>
    public double RetentionCheckSeconds { get; set; } = 3600;
}

/// <summary>
/// <c>Interests:Rules:&lt;i&gt;</c>: records of a product and/or from a source go to a department and are handed to
/// its agents (or to the agents named) by their own distribution.
/// </summary>
public sealed class InterestRule
{
    /// <summary>Matches records of this product (case ignored).</summary>
    public string? Product { get; set; }

    /// <summary>Matches records from this source type: one of <see cref="InterestSources.All"/> (web forms are <c>website</c>).</summary>
    public string? Source { get; set; }

    /// <summary>The department the matched records belong to (reports); its agents on duty receive them unless <see cref="Agents"/> names others.</summary>
    public string? Department { get; set; }

    /// <summary>
    /// How the matched records are handed out: RoundRobin (default), LeastLoaded, or None (agents take them). Read as text
    /// and checked at start: the configuration binder drops a list item whose enum does not convert, without a word.
    /// </summary>
    public string? Distribution { get; set; }

    /// <summary><see cref="Distribution"/> as a mode; RoundRobin when it is not given (or not one, which start-up refuses).</summary>
    public DistributionMode Mode => TryParseMode(Distribution, out var mode) ? mode : DistributionMode.RoundRobin;

    public static bool TryParseMode(string? text, out DistributionMode mode)
    {
        mode = DistributionMode.RoundRobin;
        return string.IsNullOrEmpty(text)
            || (Enum.TryParse(text, ignoreCase: true, out mode) && Enum.IsDefined(mode) && !char.IsAsciiDigit(text[0]));
    }

    /// <summary>Only these agents (ids) receive the matched records, when they are on duty.</summary>
    public List<string> Agents { get; set; } = [];

    public bool Matches(InterestRecord record) =>
        (Product is null || string.Equals(Product, record.Product?.Trim(), StringComparison.OrdinalIgnoreCase))
        && (Source is null || string.Equals(Source, record.SourceType, StringComparison.Ordinal));
}

/// <summary>Each wrong <c>Interests:*</c> value is reported with its full path and the fix.</summary>
internal sealed partial class InterestsOptionsValidator(IOptions<HandoffOptions> handoff) : IValidateOptions<InterestsOptions>
{
    public ValidateOptionsResult Validate(string? name, InterestsOptions options)
    {
        var errors = new List<string>();
        var s = InterestsOptions.Section;
        if (options.RetentionDays is < 0 or > 36_500)
        {
            errors.Add($"{s}:RetentionDays: days a record is kept, 0 (forever) to 36500; got {options.RetentionDays}.");
        }

        if (options.RetentionCheckSeconds is < 0.05 or > 86_400)
        {
            errors.Add($"{s}:RetentionCheckSeconds: how often to look for records past the retention, 0.05–86400 seconds (default 3600).");
        }

        var configured = handoff.Value.Departments is { Count: > 0 } list ? list.Select(d => d.Name).ToList() : [HandoffOptions.DefaultDepartmentName];
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            var path = $"{s}:Rules:{i}";
            if (string.IsNullOrWhiteSpace(rule.Product) && string.IsNullOrWhiteSpace(rule.Source))
            {
                errors.Add($"{path}: give Product or Source (or both) to say which records the rule is for.");
            }

            if (rule.Product is not null && (rule.Product.Trim().Length is 0 or > 100))
            {
                errors.Add($"{path}:Product: a product name of 1–100 characters.");
            }

            if (rule.Source is not null && !InterestSources.All.Contains(rule.Source, StringComparer.Ordinal))
            {
                // A rule for a source no record has would match nothing, silently: say so at start.
                var hint = rule.Source.Equals("form", StringComparison.OrdinalIgnoreCase) ? " (web forms are 'website')" : "";
                errors.Add($"{path}:Source: '{rule.Source}' is not a source type{hint}; use one of {string.Join(", ", InterestSources.All)}.");
            }

            if (rule.Department is not null && !configured.Contains(rule.Department, StringComparer.Ordinal))
            {
                errors.Add($"{path}:Department: '{rule.Department}' is not one of Handoff:Departments ({string.Join(", ", configured)}).");
            }

            if (rule.Agents.FirstOrDefault(a => !HandoffApi.AgentIdPattern().IsMatch(a ?? "")) is { } badAgent)
            {
                errors.Add($"{path}:Agents: '{badAgent}' is not an agent id (1–64 letters, digits, '.', '_', '@' or '-').");
            }

            if (!InterestRule.TryParseMode(rule.Distribution, out _))
            {
                errors.Add($"{path}:Distribution: '{rule.Distribution}' is not one of {string.Join(", ", Enum.GetNames<DistributionMode>())}.");
            }
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}

/// <summary>The source types records have: the channels' names and <c>website</c> for web forms.</summary>
public static class InterestSources
{
    public static readonly IReadOnlyList<string> All =
    [
        Channels.Telegram.TelegramBots.ChannelName,
        Channels.Vk.VkConversation.Channel,
        Channels.WebChat.DirectLineTranscript.ChannelName,
        Channels.Email.EmailIntake.Channel,
        Intake.FormIntake.SourceType,
    ];
}
