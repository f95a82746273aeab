using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SupportBot.Api;
using SupportBot.Customers;
using SupportBot.Interests;

namespace SupportBot.FollowUps;

/// <summary>
/// An agent's follow-ups: set one on a customer or an interest record, list their own, mark done,
/// delete; and link a Telegram chat for reminders. The acting agent is the signed-in agent, or whom
/// an API-key caller names in <c>X-Agent-Id</c> (so an API client can act for any agent); a
/// console user may touch only their own follow-ups unless they are a supervisor.
/// </summary>
public static class FollowUpsApi
{
    public const int MaxTextLength = 500;
    public static readonly TimeSpan MaxAhead = TimeSpan.FromDays(366);
    private const long MaxBodyBytes = 8 * 1024;

    public static RouteGroupBuilder MapFollowUpsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/followups");
        group.MapPost("/", Create);
        group.MapGet("/mine", Mine);
        group.MapPost("/{id}/done", Done);
        group.MapDelete("/{id}", Delete);
        group.MapGet("/telegram", GetTelegram);
        group.MapPut("/telegram", PutTelegram);
        group.MapPost("/telegram/link", LinkTelegram);
        return group;
    }

    private static async Task<IResult> Create(HttpContext context, FollowUpStore store, CustomerStore customers, InterestLog interests, TimeProvider time)
    {
        var (body, problem) = await JsonBody.ReadObjectAsync(context.Request, MaxBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (!JsonBody.TryString(body!, "customerId", out var customerId, out problem) || !JsonBody.TryString(body!, "recordId", out var recordId, out problem)
            || !JsonBody.TryString(body!, "dueAt", out var dueText, out problem) || !JsonBody.TryString(body!, "text", out var text, out problem))
        {
            return problem!;
        }

        if ((customerId is null) == (recordId is null))
        {
            return Problems.BadRequest("Give exactly one of customerId and recordId.");
        }

        var now = time.GetUtcNow();
        // Its offset is kept: the reminder on Telegram tells the time as the agent gave it.
        if (dueText is null || !DateTimeOffset.TryParse(dueText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dueAt))
        {
            return Problems.BadRequest("dueAt is an ISO 8601 time, e.g. 2026-11-24T10:00:00Z or 2026-11-24T10:00:00+03:00.");
        }

        if (dueAt <= now || dueAt > now + MaxAhead)
        {
            return Problems.BadRequest("dueAt is in the future and at most one year ahead.");
        }

        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxTextLength)
        {
            return Problems.BadRequest($"text is 1–{MaxTextLength} characters.");
        }

        if (ActingAgent.From(context) is not ({ } agentId, null))
        {
            return ActingAgent.From(context).Problem!;
        }

        if (customerId is not null)
        {
            if (!CustomerStore.IsValidId(customerId) || await customers.ResolveAsync(customerId) is not { } live)
            {
                return Problems.NotFound($"No customer '{customerId}' (customerId).");
            }

            customerId = live;
        }

        if (recordId is not null && (recordId.Length > 200 || await interests.GetAsync(recordId) is null))
        {
            return Problems.NotFound($"No interest record '{recordId}' (recordId).");
        }

        var followUp = await store.CreateAsync(agentId, customerId, recordId, text, dueAt);
        return TypedResults.Created($"/api/followups/{followUp.Id}", followUp);
    }

    private static async Task<IResult> Mine(HttpContext context, FollowUpStore store, string? status)
    {
        if (status is not (null or FollowUpStatus.Open or FollowUpStatus.Done))
        {
            return Problems.BadRequest("status is open or done.");
        }

        if (ActingAgent.From(context) is not ({ } agentId, null))
        {
            return ActingAgent.From(context).Problem!;
        }

        var items = await store.ListAsync(agentId, status ?? FollowUpStatus.Open);
        return TypedResults.Ok(new { items });
    }

    private static async Task<IResult> Done(string id, HttpContext context, FollowUpStore store) =>
        await OwnedAsync(id, context, store) is var (followUp, problem) && problem is not null ? problem
        : await store.DoneAsync(id, followUp!.AgentId) && await store.GetAsync(id) is { } done ? TypedResults.Ok(done)
        : Unknown(id);

    private static async Task<IResult> Delete(string id, HttpContext context, FollowUpStore store) =>
        await OwnedAsync(id, context, store) is var (followUp, problem) && problem is not null ? problem
        : await store.DeleteAsync(id, followUp!.AgentId) ? TypedResults.NoContent()
        : Unknown(id);

    /// <summary>The follow-up if the acting agent may change it: its owner, or a supervisor.</summary>
    private static async Task<(FollowUp? FollowUp, IResult? Problem)> OwnedAsync(string id, HttpContext context, FollowUpStore store)
    {
        if (ActingAgent.From(context) is not ({ } agentId, null))
        {
            return (null, ActingAgent.From(context).Problem);
        }

        if (!FollowUpStore.IsValidId(id) || await store.GetAsync(id) is not { } followUp)
        {
            return (null, Unknown(id));
        }

        return followUp.AgentId == agentId || context.User.IsInRole(AgentConsole.Accounts.AgentRoles.Supervisor) || context.User.IsInRole(AgentConsole.Accounts.AgentRoles.Admin)
            ? (followUp, null)
            : (null, Problems.Forbidden("Only the agent who set this follow-up, or a supervisor, may change it."));
    }

    private static async Task<IResult> GetTelegram(HttpContext context, FollowUpStore store)
    {
        if (ActingAgent.From(context) is not ({ } agentId, null))
        {
            return ActingAgent.From(context).Problem!;
        }

        return TypedResults.Ok(new { chatId = (await store.GetSettingsAsync(agentId)).LinkedTelegram });
    }

    /// <summary><c>{"chatId": 123456789}</c> (or a string of digits; null unlinks): where the Telegram notifier will write.</summary>
    private static async Task<IResult> PutTelegram(HttpContext context, FollowUpStore store)
    {
        var (body, problem) = await JsonBody.ReadObjectAsync(context.Request, MaxBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        string? chatId;
        switch (body!["chatId"])
        {
            case null when body.ContainsKey("chatId"):
                chatId = null;
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number):
                chatId = number.ToString(CultureInfo.InvariantCulture);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String && long.TryParse(value.GetValue<string>(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed):
                chatId = parsed.ToString(CultureInfo.InvariantCulture);
                break;
            default:
                return Problems.BadRequest("chatId is the agent's Telegram chat id, a whole number (null unlinks).");
        }

        if (ActingAgent.From(context) is not ({ } agentId, null))
        {
            return ActingAgent.From(context).Problem!;
        }

        await store.SetTelegramAsync(agentId, chatId);
        return TypedResults.Ok(new { chatId });
    }

    /// <summary>
    /// A one-time <c>https://t.me/&lt;bot&gt;?start=agent_&lt;code&gt;</c> for the acting agent: pressing Start links their
    /// chat (within <c>FollowUps:TelegramLinkMinutes</c>, once). 409 when no Telegram bot is configured or reachable.
    /// </summary>
    private static async Task<IResult> LinkTelegram(HttpContext context, IServiceProvider services)
    {
        if (ActingAgent.From(context) is not ({ } agentId, null))
        {
            return ActingAgent.From(context).Problem!;
        }

        var links = services.GetService<ITelegramAgentLinks>();
        return links is { Available: true } && await links.OfferAsync(agentId, context.RequestAborted) is { } offer
            ? TypedResults.Ok(offer)
            : Problems.Create(StatusCodes.Status409Conflict, "No Telegram bot", "No Telegram bot is configured (Channels:Telegram:Bots) or it did not answer getMe; link a chat id with PUT /api/followups/telegram instead.");
    }

    private static IResult Unknown(string id) => Problems.NotFound($"No follow-up '{id}'.");
}
