using Microsoft.Extensions.Options;

namespace SupportBot.Customers;

/// <summary><c>Customers:*</c>: the sales funnel agents move customers along.</summary>
public sealed class CustomersOptions
{
    public const string Section = "Customers";

    public static readonly string[] DefaultFunnelStages = ["new", "qualified", "proposal", "won", "lost"];

    /// <summary>The funnel's stages in order; a new customer starts at the first. Empty: the default list.</summary>
    public string[]? FunnelStages { get; set; }

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

        if (options.Stages.Distinct(StringComparer.Ordinal).Count() != options.Stages.Count)
        {
            errors.Add("Customers:FunnelStages: list each stage once.");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}
