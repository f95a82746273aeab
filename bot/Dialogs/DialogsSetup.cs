using Microsoft.Extensions.Options;
using SupportBot.Dialogs;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Demo;
using SupportBot.Dialogs.Enrichment;
using SupportBot.Dialogs.Llm;
using SupportBot.Handoff.Departments;

namespace SupportBot.Hosting;

/// <summary><c>Content:*</c> — where the FAQ and the bot's lines are read from.</summary>
public sealed class ContentOptions
{
    public const string Section = "Content";

    /// <summary>
    /// Folder with messages.yaml, faq/ and dialogs/; edits are picked up while the host runs. Empty: the
    /// copy shipped next to the program (point it at the repository's content/ to edit live).
    /// </summary>
    public string? Path { get; set; }

    public string ResolvedPath => string.IsNullOrWhiteSpace(Path) ? System.IO.Path.Combine(AppContext.BaseDirectory, "content") : Path;
}

public static class DialogsSetup
{
    /// <summary>Loads the live content and registers the demo shop bot (dialog engine, FAQ recognizer, scripted dialogs, the LLM when configured).</summary>
    public static IHostApplicationBuilder AddDialogs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ContentOptions>().BindConfiguration(ContentOptions.Section);
        builder.Services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<LlmOptions>, LlmOptionsValidator>();
        builder.Services.AddOptions<SkillsOptions>().BindConfiguration(SkillsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SkillsOptions>, SkillsOptionsValidator>();
        builder.Services.AddSingleton(sp => new ContentLibrary(
            sp.GetRequiredService<IOptions<ContentOptions>>().Value.ResolvedPath, sp.GetRequiredService<ILogger<ContentLibrary>>()));
        builder.Services.AddSingleton(CreateLlm);
        builder.Services.AddSingleton<IConversationBot>(sp => new ShopBot(
            sp.GetRequiredService<ContentLibrary>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ShopBot>>(),
            sp.GetRequiredService<LlmServices>().Assistant,
            // "tomorrow" in a date prompt is the team's tomorrow: the zone of the department that serves the customer's language.
            language => sp.GetRequiredService<DepartmentDirectory>().Route(language, null).Hours.TimeZone)
        {
            UnrecognizedBeforeHandoff = sp.GetRequiredService<IOptions<HandoffOptions>>().Value.UnrecognizedBeforeHandoff,
            NegativeSentimentHandoff = sp.GetRequiredService<IOptions<HandoffOptions>>().Value.NegativeSentimentHandoff,
        });
        return builder;
    }

    /// <summary>The model's services when <c>Llm:*</c> is set; empty leaves the bot on the scripted path and the lexicon.</summary>
    private static LlmServices CreateLlm(IServiceProvider sp)
    {
        var options = sp.GetRequiredService<IOptions<LlmOptions>>().Value;
        if (!options.Enabled)
        {
            return new LlmServices(null, null, null);
        }

        // Knowledge documents: loaded now and again whenever the content reloads (a broken file keeps the last good set).
        var folder = Path.Combine(sp.GetRequiredService<IOptions<ContentOptions>>().Value.ResolvedPath, "knowledge");
        var knowledge = KnowledgeBase.Load(folder);
        sp.GetRequiredService<ContentLibrary>().Reloaded += _ =>
        {
            try
            {
                Volatile.Write(ref knowledge, KnowledgeBase.Load(folder));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // keep the previous documents
            }
        };
        var departments = sp.GetRequiredService<IOptions<HandoffOptions>>().Value.Departments;
        var hours = departments.FirstOrDefault(d => d.Name == HandoffOptions.DefaultDepartmentName) ?? departments.FirstOrDefault();
        // One connection: the reply path and the enrichment share the breaker and the token budget.
        var connection = new LlmConnection(
            options, sp.GetRequiredService<ILogger<LlmConnection>>(), time: sp.GetRequiredService<TimeProvider>(),
            budget: new RedisTokenBudget(sp.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>, options.TokenBudgetPerConversation));
        var assistant = new LlmAssistant(
            connection, sp.GetRequiredService<IOptions<SkillsOptions>>().Value, sp.GetRequiredService<ILogger<LlmAssistant>>(),
            _ => hours is null || hours.Hours.Count == 0
                ? "The team answers around the clock."
                : $"Time zone {hours.TimeZone}: " + string.Join("; ", hours.Hours.Select(h => $"{h.Key} {h.Value}"))
                  + (hours.Holidays.Length > 0 ? "; closed on " + string.Join(", ", hours.Holidays) : ""),
            () => Volatile.Read(ref knowledge));
        var classifier = options.EnrichmentEnabled ? new EnrichmentClassifier(connection, sp.GetRequiredService<ILogger<EnrichmentClassifier>>()) : null;
        return new LlmServices(connection, assistant, classifier);
    }
}

/// <summary>The model's services, owned here (disposed with the container); all null when the LLM is off.</summary>
/// <param name="Classifier">Null also when <c>Llm:Enrichment</c> is false.</param>
internal sealed record LlmServices(LlmConnection? Connection, LlmAssistant? Assistant, EnrichmentClassifier? Classifier) : IDisposable
{
    public void Dispose()
    {
        Assistant?.Dispose();
        Connection?.Dispose();
    }
}

internal sealed class LlmOptionsValidator : IValidateOptions<LlmOptions>
{
    public ValidateOptionsResult Validate(string? name, LlmOptions options) =>
        options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}

internal sealed class SkillsOptionsValidator : IValidateOptions<SkillsOptions>
{
    public ValidateOptionsResult Validate(string? name, SkillsOptions options) =>
        options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
