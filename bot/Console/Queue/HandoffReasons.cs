namespace SupportBot.AgentConsole.Queue;

/// <summary>
/// The console's words for why a chat came to a person. The pipeline and the dialogs record short codes
/// ("customer-request", "prompt-max-attempts:email"); a script's own handoff text is shown as written.
/// </summary>
public static class HandoffReasons
{
    /// <summary>The <c>ConsoleText</c> key for a known reason code, or null to show the reason as it is.</summary>
    public static string? TextKey(string? reason) => reason switch
    {
        "customer-request" => "ReasonCustomerRequest",
        "unrecognized" => "ReasonUnrecognized",
        "bot-error" => "ReasonBotError",
        "returning-customer" => "ReasonReturningCustomer",
        "negative-sentiment" => "ReasonNegativeSentiment",
        "llm-handoff" => "ReasonModelHandoff",
        "escalated" => "ReasonEscalated",
        { } code when code.StartsWith("prompt-max-attempts:", StringComparison.Ordinal) => "ReasonPromptAttempts",
        _ => null,
    };
}
