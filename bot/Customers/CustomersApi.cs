using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using SupportBot.Api;
using SupportBot.Handoff;
using SupportBot.Interests;
using SupportBot.Pipeline;

namespace SupportBot.Customers;

/// <summary>
/// The agents' customer API: look a person up (by id, conversation or a name/e-mail/phone prefix),
/// edit status, stage, tags and name, add notes, merge two customers, read their interest records.
/// Every refusal is a problem-details 4xx naming the field.
/// </summary>
public static class CustomersApi
{
    public const int MaxNoteLength = 2000;
    public const int MaxTags = 30;
    public const int MaxTagLength = 40;
    public const int MaxNameLength = 200;
    public const int SearchResults = 20;
    public const int RecordsPageSize = 20;
    private const long MaxBodyBytes = 16 * 1024;

    public static RouteGroupBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/customers");
        group.MapGet("/", Search);
        group.MapGet("/by-conversation/{conversationId}", ByConversation);
        group.MapGet("/{id}", Get);
        group.MapPatch("/{id}", Patch);
        group.MapPost("/{id}/notes", AddNote);
        group.MapPost("/{id}/merge", Merge);
        group.MapGet("/{id}/records", Records);
        group.MapDelete("/{id}", Erase);
        return group;
    }

    /// <summary>
    /// The customer asked for their data to be erased: everything about them goes (<see cref="CustomerErasure"/>). An API key
    /// or an admin's console sign-in only; it cannot be undone.
    /// </summary>
    private static async Task<IResult> Erase(string id, HttpContext http, CustomerErasure erasure)
    {
        if (!Api.ApiAccess.IsSystemOrAdmin(http.User))
        {
            return Problems.Forbidden("Only an admin, or a system with an API key, may erase a customer's data.");
        }

        return CustomerStore.IsValidId(id) && await erasure.EraseAsync(id) is { } erased
            ? TypedResults.Ok(erased)
            : Unknown(id);
    }

    private static IResult Unknown(string id) => Problems.NotFound($"No customer '{id}'.");

    private static async Task<IResult> Get(string id, CustomerStore store)
    {
        if (!CustomerStore.IsValidId(id) || await store.GetAsync(id) is not { } customer)
        {
            return Unknown(id);
        }

        // A merged id leads to the customer it was merged into.
        return customer.Id == id ? TypedResults.Ok(customer) : Results.Redirect("/api/customers/" + customer.Id, permanent: true, preserveMethod: true);
    }

    private static async Task<IResult> ByConversation(string conversationId, CustomerStore store, HandoffStore handoff)
    {
        try
        {
            ConversationIds.Validate(conversationId);
        }
        catch (ArgumentException)
        {
            return Problems.BadRequest("conversationId is up to 200 characters without braces, e.g. webchat:3f2a….");
        }

        return await store.ForConversationAsync(conversationId, handoff) is { } customer
            ? TypedResults.Ok(customer)
            : Problems.NotFound($"No customer is known for conversation '{conversationId}'.");
    }

    private static async Task<IResult> Search(CustomerStore store, string? q)
    {
        if (q is null || q.Trim().Length is < 2 or > 100)
        {
            return Problems.BadRequest("q is 2–100 characters: the start of a name, an e-mail or a phone number.");
        }

        var items = await store.SearchAsync(q, SearchResults);
        return TypedResults.Ok(new { items });
    }

    private static async Task<IResult> Patch(string id, HttpRequest request, CustomerStore store, IOptions<CustomersOptions> options)
    {
        if (!CustomerStore.IsValidId(id))
        {
            return Unknown(id);
        }

        var (read, problem) = await JsonBody.ReadObjectAsync(request, MaxBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        var body = read!;
        var known = new[] { "status", "stage", "tags", "name" };
        if (body.Select(p => p.Key).FirstOrDefault(k => !known.Contains(k)) is { } unknownField)
        {
            return Problems.BadRequest($"Unknown field '{unknownField}'. Send any of: status, stage, tags, name.");
        }

        if (body.Count == 0)
        {
            return Problems.BadRequest("Send at least one of: status, stage, tags, name.");
        }

        if (!JsonBody.TryString(body, "status", out var status, out problem) || !JsonBody.TryString(body, "stage", out var stage, out problem) || !JsonBody.TryString(body, "name", out var name, out problem))
        {
            return problem!;
        }

        if (status is not null && !CustomerStatus.IsKnown(status))
        {
            return Problems.BadRequest($"status is one of: {string.Join(", ", CustomerStatus.All)}.");
        }

        var stages = options.Value.Stages;
        if (stage is not null && !stages.Contains(stage))
        {
            return Problems.BadRequest($"stage is one of: {string.Join(", ", stages)}.");
        }

        name = name?.Trim();
        if (name is not null && name.Length is 0 or > MaxNameLength)
        {
            return Problems.BadRequest($"name is 1–{MaxNameLength} characters.");
        }

        List<string>? tags = null;
        if (body.TryGetPropertyValue("tags", out var tagsNode))
        {
            if (tagsNode is not JsonArray array || array.Count > MaxTags)
            {
                return Problems.BadRequest($"tags is an array of at most {MaxTags} strings.");
            }

            tags = [];
            foreach (var tag in array)
            {
                if (tag is not JsonValue value || value.GetValueKind() != JsonValueKind.String || value.GetValue<string>().Trim() is not { Length: > 0 and <= MaxTagLength } text)
                {
                    return Problems.BadRequest($"tags holds strings of 1–{MaxTagLength} characters.");
                }

                tags.Add(text);
            }

            tags = [.. tags.Distinct(StringComparer.Ordinal)];
        }

        var by = ActingAgent.From(request.HttpContext).AgentId; // an integration may name none
        if (await store.UpdateAsync(id, status, stage, tags, name, by) == CustomerChange.NotFound || await store.GetAsync(id) is not { } customer)
        {
            return Unknown(id);
        }

        return TypedResults.Ok(customer);
    }

    private static async Task<IResult> AddNote(string id, HttpContext context, CustomerStore store)
    {
        if (!CustomerStore.IsValidId(id))
        {
            return Unknown(id);
        }

        var (body, problem) = await JsonBody.ReadObjectAsync(context.Request, MaxBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (!JsonBody.TryString(body!, "text", out var text, out problem))
        {
            return problem!;
        }

        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length > MaxNoteLength)
        {
            return Problems.BadRequest($"text is 1–{MaxNoteLength} characters.");
        }

        if (ActingAgent.From(context) is not ({ } agentId, null))
        {
            return ActingAgent.From(context).Problem!;
        }

        return await store.AddNoteAsync(id, agentId, text) is { } note
            ? TypedResults.Created($"/api/customers/{id}", note)
            : Unknown(id);
    }

    private static async Task<IResult> Merge(string id, HttpContext context, CustomerStore store, ILogger<CustomerStore> logger)
    {
        if (!CustomerStore.IsValidId(id))
        {
            return Unknown(id);
        }

        var (body, problem) = await JsonBody.ReadObjectAsync(context.Request, MaxBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        if (!JsonBody.TryString(body!, "otherId", out var otherId, out problem))
        {
            return problem!;
        }

        if (string.IsNullOrEmpty(otherId))
        {
            return Problems.BadRequest("otherId names the customer to merge into this one.");
        }

        if (ActingAgent.From(context) is not ({ } agentId, null))
        {
            return ActingAgent.From(context).Problem!;
        }

        if (!CustomerStore.IsValidId(otherId))
        {
            return Problems.NotFound($"No customer '{otherId}' (otherId).");
        }

        var (outcome, live) = await store.MergeAsync(id, otherId);
        switch (outcome)
        {
            case MergeOutcome.NotFound:
                return Unknown(id);
            case MergeOutcome.OtherNotFound:
                return Problems.NotFound($"No customer '{otherId}' (otherId).");
            case MergeOutcome.Same:
                return Problems.BadRequest("otherId is this same customer (or was already merged into it).");
        }

        CustomersLog.Merged(logger, otherId, live!, agentId);
        return await store.GetAsync(live!) is { } customer ? TypedResults.Ok(customer) : Unknown(id);
    }

    private static async Task<IResult> Records(string id, string? page, CustomerStore store, InterestLog log)
    {
        var number = 1;
        if (page is not null && (!int.TryParse(page, out number) || number < 1 || number > 100_000))
        {
            return Problems.BadRequest("page is a whole number from 1.");
        }

        if (!CustomerStore.IsValidId(id) || await store.RecordIdsAsync(id, number, RecordsPageSize) is not ({ } ids, var hasMore))
        {
            return Unknown(id);
        }

        var records = await Task.WhenAll(ids.Select(log.GetAsync));
        return TypedResults.Ok(new { items = records.OfType<InterestRecord>(), page = number, pageSize = RecordsPageSize, hasMore });
    }
}
