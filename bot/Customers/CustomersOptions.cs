using System.ComponentModel.DataAnnotations;

namespace SupportBot.Customers;

/// <summary><c>Customers:*</c>: the sales funnel agents move customers along.</summary>
public sealed class CustomersOptions : IValidatableObject
{
    public const string Section = "Customers";

    public static readonly string[] DefaultFunnelStages = ["new", "qualified", "proposal", "won", "lost"];

    /// <summary>The funnel's stages in order; a new customer starts at the first. Empty: the default list.</summary>
    public string[]? FunnelStages { get; set; }

    /// <summary>The stages in force (configured or default).</summary>
    public IReadOnlyList<string> Stages => FunnelStages is { Length: > 0 } stages ? stages : DefaultFunnelStages;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Stages.Any(s => string.IsNullOrWhiteSpace(s) || s.Length > 40 || s.Trim() != s))
        {
            yield return new ValidationResult("Customers:FunnelStages: each stage is 1–40 characters without surrounding spaces, e.g. [\"new\",\"qualified\",\"won\"].", [nameof(FunnelStages)]);
        }

        if (Stages.Distinct(StringComparer.Ordinal).Count() != Stages.Count)
        {
            yield return new ValidationResult("Customers:FunnelStages: list each stage once.", [nameof(FunnelStages)]);
        }
    }
}
