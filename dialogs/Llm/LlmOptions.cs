namespace SupportBot.Dialogs.Llm;

/// <summary><c>Llm:*</c> — the chat model behind grounded answers and skills. Nothing set: the LLM is off.</summary>
public sealed class LlmOptions
{
    public const string Section = "Llm";

    /// <summary>openai | azure-openai | openai-compatible (Ollama, vLLM, llama.cpp, LM Studio by URL). Empty: off.</summary>
    public string? Provider { get; set; }

    /// <summary>Base URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1; required except for openai.</summary>
    public string? Endpoint { get; set; }

    /// <summary>Model (Azure: deployment) name.</summary>
    public string? Model { get; set; }

    /// <summary>Secret; never logged. Local servers usually need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Mask phone numbers, e-mails and card numbers before text leaves the machine.</summary>
    public bool MaskPii { get; set; } = true;

    /// <summary>The whole LLM turn (all tool rounds) must finish within this, else the scripted fallback answers.</summary>
    public double TimeoutSeconds { get; set; } = 8;

    /// <summary>Failures in a row (within <see cref="BreakerSamplingSeconds"/>, with no success) that open the circuit.</summary>
    public int BreakerFailures { get; set; } = 5;

    /// <summary>How long the LLM stays off once the circuit opens.</summary>
    public double BreakerCooldownSeconds { get; set; } = 30;

    /// <summary>The window the breaker counts failures in.</summary>
    public double BreakerSamplingSeconds { get; set; } = 60;

    /// <summary>At most this many rounds of tool calls per customer message.</summary>
    public int MaxToolRounds { get; set; } = 3;

    /// <summary>Longest answer passed to the customer (characters); longer is cut at a sentence.</summary>
    public int MaxAnswerChars { get; set; } = 1200;

    /// <summary>Model tokens one conversation may spend in a day from its first spend (answers and enrichment; the host counts in Redis); then the scripted path answers. 0 = no limit.</summary>
    public int TokenBudgetPerConversation { get; set; } = 20_000;

    /// <summary>Inbound records get their intent and sentiment from the model too (batched, in the background); false: the lexicon's stay.</summary>
    public bool Enrichment { get; set; } = true;

    /// <summary>At most this many records per enrichment call.</summary>
    public int EnrichmentBatchSize { get; set; } = 20;

    /// <summary>How often the enrichment looks for records while it is idle (a full batch goes at once).</summary>
    public double EnrichmentIntervalSeconds { get; set; } = 3;

    /// <summary>One enrichment call (a whole batch) must finish within this; later, the batch is tried again.</summary>
    public double EnrichmentTimeoutSeconds { get; set; } = 30;

    /// <summary>The model's later verdict "negative" brings in a person when the conversation is still with the bot.</summary>
    public bool EnrichmentHandoff { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Provider) || !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>The model enriches inbound records.</summary>
    public bool EnrichmentEnabled => Enabled && Enrichment;

    public static readonly string[] Providers = ["openai", "azure-openai", "openai-compatible"];

    /// <summary>One line per problem, each naming its <c>Llm:*</c> setting; empty when fine (or off).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Enabled)
        {
            return errors;
        }

        var provider = string.IsNullOrWhiteSpace(Provider) ? "openai-compatible" : Provider.Trim().ToLowerInvariant();
        if (!Providers.Contains(provider))
        {
            errors.Add($"Llm:Provider '{Provider}' is not one of openai, azure-openai, openai-compatible.");
        }

        if (provider != "openai" && string.IsNullOrWhiteSpace(Endpoint))
        {
            errors.Add($"Llm:Endpoint is required for provider {provider} (e.g. http://localhost:11434/v1).");
        }

        if (!string.IsNullOrWhiteSpace(Endpoint) && (!Uri.TryCreate(Endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add($"Llm:Endpoint '{Endpoint}' is not an absolute http(s) URL.");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            errors.Add("Llm:Model is required when the LLM is on (e.g. gpt-4o-mini, llama3.1).");
        }

        if (provider is "openai" or "azure-openai" && string.IsNullOrWhiteSpace(ApiKey))
        {
            errors.Add($"Llm:ApiKey is required for provider {provider}.");
        }

        if (TimeoutSeconds is <= 0 or > 120)
        {
            errors.Add("Llm:TimeoutSeconds is above 0 and at most 120.");
        }

        if (BreakerFailures is < 2 or > 1000)
        {
            errors.Add("Llm:BreakerFailures is from 2 to 1000.");
        }

        if (BreakerCooldownSeconds is < 0.5 or > 86_400)
        {
            errors.Add("Llm:BreakerCooldownSeconds is from 0.5 to 86400.");
        }

        if (BreakerSamplingSeconds is < 0.5 or > 86_400)
        {
            errors.Add("Llm:BreakerSamplingSeconds is from 0.5 to 86400.");
        }

        if (MaxToolRounds is < 0 or > 10)
        {
            errors.Add("Llm:MaxToolRounds is from 0 to 10.");
        }

        if (TokenBudgetPerConversation < 0)
        {
            errors.Add("Llm:TokenBudgetPerConversation is 0 (no limit) or more.");
        }

        if (MaxAnswerChars is < 100 or > 10_000)
        {
            errors.Add("Llm:MaxAnswerChars is from 100 to 10000.");
        }

        if (EnrichmentBatchSize is < 1 or > 100)
        {
            errors.Add("Llm:EnrichmentBatchSize is from 1 to 100.");
        }

        if (EnrichmentIntervalSeconds is < 0.05 or > 3600)
        {
            errors.Add("Llm:EnrichmentIntervalSeconds is from 0.05 to 3600.");
        }

        if (EnrichmentTimeoutSeconds is <= 0 or > 600)
        {
            errors.Add("Llm:EnrichmentTimeoutSeconds is above 0 and at most 600.");
        }

        return errors;
    }

    internal string NormalizedProvider => string.IsNullOrWhiteSpace(Provider) ? "openai-compatible" : Provider.Trim().ToLowerInvariant();
}

/// <summary><c>Skills:*</c> — what the model's tools reach.</summary>
public sealed class SkillsOptions
{
    public const string Section = "Skills";

    public OrderStatusSkillOptions OrderStatus { get; set; } = new();

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(OrderStatus.Url)
            && (!Uri.TryCreate(OrderStatus.Url.Replace("{order}", "1", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            errors.Add($"Skills:OrderStatus:Url '{OrderStatus.Url}' is not an absolute http(s) URL.");
        }

        return errors;
    }
}

public sealed class OrderStatusSkillOptions
{
    /// <summary>GET target; <c>{order}</c> is replaced by the order number, else it is appended as a path segment. Empty: no order_status skill.</summary>
    public string? Url { get; set; }
}
