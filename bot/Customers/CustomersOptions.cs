using Microsoft.Extensions.Options;

namespace SupportBot.Customers;

/// <summary><c>Customers:*</c>: the sales funnel agents move customers along.</summary>
public sealed class CustomersOptions
{
    public const string Section = "Customers";

    public static readonly string[] DefaultFunnelStages = ["new", "qualified", "proposal", "won", "lost"];

    /// <summary>The funnel's stages in order; a new customer starts at the first. Empty: the default list.</summary>
    public string[]? FunnelStages { get; set; }

    /// <summary>
    /// Sources whose e-mail and phone are proven, so a record from them may link (and merge) the person into the customer
    /// who already has that address or number: only <c>email</c> (when your mail server rejects mail failing DMARC, so a
    /// From cannot be forged) and <c>website</c> (when your forms sit behind a sign-in). Empty (the default): an address
    /// or number someone merely gave (a form, a mail, a chat) is kept on their own customer card and shown to agents as a
    /// possible duplicate; linking is the agent's decision (merge).
    /// </summary>
    public string[] TrustContactsFrom { get; set; } = [];

    /// <summary>The sources <see cref="TrustContactsFrom"/> may name: their contacts are the sender's own, not typed into a chat.</summary>
    public static readonly string[] TrustableSources = [Channels.Email.EmailIntake.Channel, Intake.FormIntake.SourceType];

    /// <summary>The stages in force (configured or default).</summary>
    public IReadOnlyList<string> Stages => FunnelStages is { Length: > 0 } stages ? stages : DefaultFunnelStages;
}

/// <summary>Each wrong <c>Customers:*</c> value is reported with its full path and the fix.</summary>
internal sealed class CustomersOptionsValidator : IValidateOptions<CustomersOptions>
{
    public ValidateOptionsResult Validate(string? name, CustomersOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Stages.Count; i++)
        {
            var stage = options.Stages[i];
            if (string.IsNullOrWhiteSpace(stage) || stage.Length > 40 || stage.Trim() != stage)
            {
                errors.Add($"Customers:FunnelStages:{i}: a stage is 1–40 characters without surrounding spaces, e.g. [\"new\",\"qualified\",\"won\"].");
            }
        }

        for (var i = 0; i < options.TrustContactsFrom.Length; i++)
        {
            if (!CustomersOptions.TrustableSources.Contains(options.TrustContactsFrom[i], StringComparer.Ordinal))
            {
                errors.Add($"Customers:TrustContactsFrom:{i}: '{options.TrustContactsFrom[i]}' cannot prove an address; only {string.Join(" or ", CustomersOptions.TrustableSources)} (or leave the list empty).");
            }
        }

        if (options.Stages.Distinct(StringComparer.Ordinal).Count() != options.Stages.Count)
        {
            errors.Add("Customers:FunnelStages: list each stage once.");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
