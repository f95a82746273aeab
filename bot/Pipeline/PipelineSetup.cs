using SupportBot.Api;
using SupportBot.Interests;
using SupportBot.Interests.Distribution;
using SupportBot.Pipeline.Outbox;

namespace SupportBot.Pipeline;

public static class PipelineSetup
{
    /// <summary>Ingress, ordered per-conversation processing, the outbox and the interest log.</summary>
    public static IHostApplicationBuilder AddPipeline(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PipelineOptions>().BindConfiguration(PipelineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<OutboxOptions>().BindConfiguration(OutboxOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<WakeSignal>();
        builder.Services.AddSingleton<PipelineIngress>();
        builder.Services.AddSingleton<TurnRouter>();
        builder.Services.AddSingleton<ConversationProcessor>();
        builder.Services.AddSingleton<OutboxDispatcher>();
        builder.Services.AddSingleton<DeadLetterStore>();
        builder.Services.AddSingleton<InterestLog>();
        builder.Services.AddSingleton<InterestReplies>();
        builder.Services.AddOptions<InterestsOptions>().BindConfiguration(InterestsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<InterestsOptions>, InterestsOptionsValidator>();
        builder.Services.AddSingleton<InterestRouting>();
        builder.Services.AddSingleton<IInterestObserver, InterestDistribution>();
        builder.Services.AddHostedService<InterestRetention>();
        builder.Services.AddHostedService<PipelineWorker>();
        return builder;
    }

    /// <summary><c>GET /api/outbox/dead-letters</c>: sends that failed for good.</summary>
    public static RouteGroupBuilder MapOutboxApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/outbox");
        group.MapGet("/dead-letters", async (DeadLetterStore store, int? offset, int? limit) =>
        {
            if (offset is < 0 || limit is < 1 or > 500)
            {
                return Problems.BadRequest("offset must be ≥ 0 and limit between 1 and 500.");
            }

            var (items, total) = await store.ListAsync(offset ?? 0, limit ?? 50);
            return TypedResults.Ok(new { total, items });
        });
        return group;
    }
}
