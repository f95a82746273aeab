using SupportBot.Enrichment;
using SupportBot.Interests;

namespace SupportBot.Hosting;

public static class EnrichmentSetup
{
    /// <summary>
    /// The model's intent and sentiment for inbound records, in the background (<c>Llm:Enrichment*</c>); with
    /// no model configured the queue stays empty and the worker ends at once: the lexicon's values stand.
    /// </summary>
    public static IHostApplicationBuilder AddEnrichment(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EnrichmentQueue>();
        builder.Services.AddSingleton<IInterestObserver>(sp => sp.GetRequiredService<EnrichmentQueue>());
        builder.Services.AddHostedService<EnrichmentWorker>();
        return builder;
    }
}
