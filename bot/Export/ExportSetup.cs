using Microsoft.Extensions.Options;
using SupportBot.Api;
using SupportBot.Interests;

namespace SupportBot.Export;

/// <summary>
/// The outgoing CRM webhooks (<c>Export:*</c>): an interest-log observer that queues events, the deliverer, and
/// <c>/api/export/webhooks</c> to see the receivers, their failed deliveries, and send one again.
/// </summary>
public static class ExportSetup
{
    public static IHostApplicationBuilder AddExport(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ExportOptions>().BindConfiguration(ExportOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ExportOptions>, ExportOptionsValidator>();
        builder.Services.AddSingleton<WebhookQueue>();
        builder.Services.AddSingleton<IInterestObserver, WebhookObserver>();
        builder.Services.AddHostedService<WebhookDeliverer>();
        // No redirects (a 3xx is a failed delivery, not a hop to somewhere else); Polly owns the timeout.
        builder.Services.AddHttpClient(WebhookDeliverer.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .RemoveAllLoggers();
        return builder;
    }

    /// <summary>
    /// <c>GET /api/export/webhooks</c> (receivers and counts), <c>GET …/failures?offset=&amp;limit=</c>,
    /// <c>POST …/failures/{id}/retry</c>. An API key, or a supervisor's or admin's sign-in.
    /// </summary>
    public static RouteGroupBuilder MapExportApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/export/webhooks");
        group.RequireAuthorization(policy => policy.RequireAssertion(context => ApiAccess.IsSystemOrSupervisor(context.User)));
        group.MapGet("/", Status);
        group.MapGet("/failures", async (WebhookQueue queue, int? offset, int? limit) =>
        {
            if (offset is < 0 || limit is < 1 or > 500)
            {
                return Problems.BadRequest("offset must be ≥ 0 and limit between 1 and 500.");
            }

            var (items, total) = await queue.FailuresAsync(offset ?? 0, limit ?? 50);
            return TypedResults.Ok(new { total, items });
        });
        group.MapPost("/failures/{id}/retry", async (string id, WebhookQueue queue) =>
            WebhookQueue.IsValidId(id) && await queue.RetryAsync(id)
                ? TypedResults.Accepted((string?)null, new { id, status = "pending" })
                : Problems.NotFound($"No failed delivery '{id}'."));
        return group;
    }

    private static async Task<IResult> Status(WebhookQueue queue, IOptions<ExportOptions> options)
    {
        var (pending, failed, stats) = await queue.CountsAsync();
        long Count(string field) => long.TryParse(stats.GetValueOrDefault(field), out var n) ? n : 0;
        var webhooks = options.Value.Webhooks.Select(w => new WebhookStatus(
            w.Name,
            // The receiver's address without a query or user info (they may carry credentials).
            new Uri(w.Url) is var url ? $"{url.Scheme}://{url.Authority}{url.AbsolutePath}" : "",
            w.Events.Length == 0 ? WebhookEvent.Types : w.Events,
            Count("pending:" + w.Name),
            Count("failed:" + w.Name),
            Count("delivered:" + w.Name),
            WebhookQueue.Time(stats.GetValueOrDefault("deliveredAt:" + w.Name)),
            stats.GetValueOrDefault("error:" + w.Name),
            WebhookQueue.Time(stats.GetValueOrDefault("errorAt:" + w.Name))));
        return TypedResults.Ok(new { pending, failed, webhooks });
    }
}
