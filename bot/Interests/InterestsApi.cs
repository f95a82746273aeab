using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SupportBot.AgentConsole.Accounts;
using SupportBot.Api;
using SupportBot.Handoff;

namespace SupportBot.Interests;

/// <summary>The interest feed over HTTP: list and search, export, and an agent's work on a record.</summary>
public static partial class InterestsApi
{
    private static readonly HashSet<string> Actions = ["message", "comment", "post", "like", "review", "request", "form", "join", "leave"];

    private const long MaxBodyBytes = 16 * 1024;
    public const int MaxNoteLength = 1000;
    public const int MaxSearchLength = 200;
    public const int MaxProductLength = 100;
    public const int MaxTagFilters = 5;

    /// <summary>
    /// <c>GET /api/interests?from=&amp;to=&amp;source=&amp;action=&amp;product=&amp;responsible=&amp;processed=&amp;q=&amp;direction=&amp;tag=&amp;page=&amp;pageSize=</c>,
    /// newest first; <c>GET /api/interests/export.csv?…</c> and <c>export.jsonl?…</c> the same as CSV or JSON Lines (supervisors,
    /// admins and API keys only: agents get 403); take, assign, processed, reply, tags.
    /// </summary>
    public static RouteGroupBuilder MapInterestsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/interests");
        group.MapGet("/", List);
        // The whole feed in one file (every agent's and department's records, customers' names and words): supervisors, admins and systems only.
        group.MapGet("/export.csv", (HttpRequest request, InterestLog log) => Export(request, log, "csv", "text/csv; charset=utf-8", InterestCsv.WriteAsync))
            .RequireAuthorization(SystemOrSupervisor);
        group.MapGet("/export.jsonl", (HttpRequest request, InterestLog log) => Export(request, log, "jsonl", InterestJsonLines.ContentType, InterestJsonLines.WriteAsync))
            .RequireAuthorization(SystemOrSupervisor);
        group.MapGet("/{id}", async (string id, InterestLog log) =>
            IsRecordId(id) && await log.GetAsync(id) is { } record ? TypedResults.Ok(record) : Problems.NotFound($"No interest record '{id}'."));
        group.MapPost("/{id}/take", Take);
        group.MapPost("/{id}/assign", Assign);
        group.MapPost("/{id}/processed", Processed);
        group.MapDelete("/{id}/processed", Reopen);
        group.MapPost("/{id}/reply", Reply);
        group.MapPost("/{id}/tags", Tags);
        return group;
    }

    private static void SystemOrSupervisor(Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder policy) =>
        policy.RequireAssertion(context => ApiAccess.IsSystemOrSupervisor(context.User));

    private static async Task<IResult> List(HttpRequest request, InterestLog log, int? page, int? pageSize)
    {
        var (filter, problem) = ParseFilter(request.Query);
        if (problem is not null)
        {
            return problem;
        }

        if (page is < 1 || pageSize is < 1 or > 500)
        {
            return Problems.BadRequest("page starts at 1; pageSize is between 1 and 500.");
        }

        return TypedResults.Ok(await log.QueryAsync(new InterestQuery(filter!, page ?? 1, pageSize ?? 50), request.HttpContext.RequestAborted));
    }

    /// <summary>The filtered feed streamed as a download (at most <see cref="InterestCsv.MaxRows"/> records, newest first).</summary>
    private static IResult Export(
        HttpRequest request, InterestLog log, string extension, string contentType, Func<Stream, IAsyncEnumerable<InterestRecord>, CancellationToken, Task> write)
    {
        var (filter, problem) = ParseFilter(request.Query);
        if (problem is not null)
        {
            return problem;
        }

        var cancellation = request.HttpContext.RequestAborted;
        var name = $"interests-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}.{extension}";
        return TypedResults.Stream(output => write(output, log.ScanAsync(filter!, 0, InterestCsv.MaxRows, cancellation), cancellation), contentType, name);
    }

    /// <summary>The feed's filters from the query string, or the problem naming the wrong one.</summary>
    internal static (InterestFilter? Filter, IResult? Problem) ParseFilter(IQueryCollection query)
    {
        string? Value(string name) => query[name].ToString() is { Length: > 0 } v ? v : null;

        if (!TryParseDate(Value("from"), out var from) || !TryParseDate(Value("to"), out var to))
        {
            return (null, Problems.BadRequest("from and to are ISO 8601 dates, e.g. 2026-11-24 or 2026-11-24T10:00:00Z."));
        }

        var action = Value("action");
        if (action is not null && !Actions.Contains(action))
        {
            return (null, Problems.BadRequest($"action is one of: {string.Join(", ", Actions)}."));
        }

        var source = Value("source");
        if (source is not null && (source.Length > 32 || !source.All(char.IsAsciiLetterLower)))
        {
            return (null, Problems.BadRequest("source is a channel name such as webchat, telegram, vk, email or website."));
        }

        var product = Value("product");
        if (product is not null && (product.Length > MaxProductLength || product.Any(char.IsControl)))
        {
            return (null, Problems.BadRequest($"product is a product name of at most {MaxProductLength} characters."));
        }

        var responsible = Value("responsible");
        if (responsible is not null && responsible != InterestLog.Unassigned
            && !(responsible.StartsWith("agent:", StringComparison.Ordinal) && HandoffApi.AgentIdPattern().IsMatch(responsible["agent:".Length..])))
        {
            return (null, Problems.BadRequest("responsible is agent:<id> or unassigned."));
        }

        bool? processed = null;
        if (Value("processed") is { } word)
        {
            if (word is not ("yes" or "true" or "no" or "false"))
            {
                return (null, Problems.BadRequest("processed is yes or no."));
            }

            processed = word is "yes" or "true";
        }

        var direction = Value("direction") ?? "in";
        if (direction is not ("in" or "out" or "all"))
        {
            return (null, Problems.BadRequest("direction is in (what customers did, the default), out (our replies) or all."));
        }

        var tags = new List<string>();
        foreach (var given in query["tag"])
        {
            if (InterestLog.NormalizeTag(given) is not { } tag)
            {
                return (null, Problems.BadRequest($"tag is 1–{InterestLog.MaxTagLength} characters (repeat tag= for records that carry several)."));
            }

            tags.Add(tag);
        }

        if (tags.Count > MaxTagFilters)
        {
            return (null, Problems.BadRequest($"tag may be given at most {MaxTagFilters} times."));
        }

        var text = Value("q");
        if (text is not null && text.Length > MaxSearchLength)
        {
            return (null, Problems.BadRequest($"q (search words) may be at most {MaxSearchLength} characters."));
        }

        return (new InterestFilter
        {
            From = from,
            To = to,
            Source = source,
            Action = action,
            Product = product,
            Responsible = responsible,
            Processed = processed,
            Text = text is not null && InterestWords.Of(text).Count > 0 ? text : null,
            Direction = direction == "all" ? null : direction,
            Tags = tags.Count > 0 ? [.. tags.Distinct(StringComparer.Ordinal)] : null,
        }, null);
    }

    private static async Task<IResult> Take(string id, HttpContext context, InterestLog log)
    {
        var (agentId, problem) = ActingAgent.From(context);
        if (problem is not null)
        {
            return problem;
        }

        return IsRecordId(id) ? Result(await log.TakeAsync(id, agentId!), id) : NotFound(id);
    }

    /// <summary>Makes <c>agentId</c> from the body responsible (the acting agent when there is no body).</summary>
    private static async Task<IResult> Assign(string id, HttpContext context, InterestLog log)
    {
        var (actingAgent, problem) = ActingAgent.From(context);
        if (problem is not null)
        {
            return problem;
        }

        var (body, bodyProblem) = await JsonBody.ReadObjectAsync(context.Request, MaxBodyBytes, optional: true);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        var agentId = actingAgent!;
        if (body is not null && body["agentId"] is { } given)
        {
            if (given is not JsonValue value || !value.TryGetValue<string>(out var named) || !HandoffApi.AgentIdPattern().IsMatch(named))
            {
                return Problems.BadRequest("agentId is 1–64 letters, digits, '.', '_', '@' or '-'.");
            }

            agentId = named;
        }

        // A signed-in agent may take work, not hand it out; supervisors and admins assign. (API-key callers are trusted integrations.)
        if (agentId != actingAgent && ActingAgent.SignedInAgent(context.User) is not null
            && !context.User.IsInRole(AgentRoles.Supervisor) && !context.User.IsInRole(AgentRoles.Admin))
        {
            return Problems.Forbidden("Only supervisors and admins assign records to others; take it yourself instead.");
        }

        return IsRecordId(id) ? Result(await log.AssignAsync(id, agentId), id) : NotFound(id);
    }

    private static async Task<IResult> Processed(string id, HttpContext context, InterestLog log, TimeProvider time)
    {
        var (agentId, note, problem) = await AgentAndTextAsync(context, "note", MaxNoteLength, "note is required: say what was done (at most 1000 characters).");
        if (problem is not null)
        {
            return problem;
        }

        return IsRecordId(id) ? Result(await log.MarkProcessedAsync(id, agentId, note.Trim(), time.GetUtcNow()), id) : NotFound(id);
    }

    private static async Task<IResult> Reopen(string id, HttpContext context, InterestLog log)
    {
        var (_, problem) = ActingAgent.From(context);
        if (problem is not null)
        {
            return problem;
        }

        return IsRecordId(id) ? Result(await log.ReopenAsync(id), id) : NotFound(id);
    }

    /// <summary>202: the reply is queued; the record becomes processed once it has gone out.</summary>
    private static async Task<IResult> Reply(string id, HttpContext context, InterestReplies replies)
    {
        var (agentId, text, problem) = await AgentAndTextAsync(context, "text", HandoffApi.MaxMessageLength, "text is required: the message for the customer.");
        if (problem is not null)
        {
            return problem;
        }

        if (!IsRecordId(id))
        {
            return NotFound(id);
        }

        var change = await replies.ReplyAsync(id, agentId, text);
        return change.Status == InterestChangeStatus.Done ? TypedResults.Accepted($"/api/interests/{id}", change.Record) : Result(change, id);
    }

    /// <summary>
    /// The acting agent and one required text field of the JSON body (not blank, at most <paramref name="maxLength"/>
    /// characters), or the problem to answer instead (401/403 for the caller, 400/413 for the body).
    /// </summary>
    private static async Task<(string AgentId, string Text, IResult? Problem)> AgentAndTextAsync(HttpContext context, string field, int maxLength, string missing)
    {
        var (agentId, problem) = ActingAgent.From(context);
        if (problem is not null)
        {
            return ("", "", problem);
        }

        var (body, bodyProblem) = await JsonBody.ReadObjectAsync(context.Request, MaxBodyBytes);
        if (bodyProblem is not null)
        {
            return ("", "", bodyProblem);
        }

        if (!TryGetText(body!, field, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return ("", "", Problems.BadRequest(missing));
        }

        return text.Length > maxLength
            ? ("", "", Problems.BadRequest($"{field} may be at most {maxLength} characters."))
            : (agentId!, text, null);
    }

    /// <summary><c>{"add":["vip"],"remove":["spam"]}</c>: tags change in one step; the record as it is after.</summary>
    private static async Task<IResult> Tags(string id, HttpContext context, InterestLog log)
    {
        var (_, problem) = ActingAgent.From(context);
        if (problem is not null)
        {
            return problem;
        }

        var (body, bodyProblem) = await JsonBody.ReadObjectAsync(context.Request, MaxBodyBytes);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        var fields = body!;
        if (fields.Select(p => p.Key).FirstOrDefault(k => k is not ("add" or "remove")) is { } unknown)
        {
            return Problems.BadRequest($"Unknown field '{unknown}'. Send add and/or remove, each an array of tags.");
        }

        var add = new List<string>();
        var remove = new List<string>();
        foreach (var (field, into) in new[] { ("add", add), ("remove", remove) })
        {
            if (!fields.TryGetPropertyValue(field, out var node))
            {
                continue;
            }

            if (node is not JsonArray array || array.Count > InterestLog.MaxTagsPerRecord)
            {
                return Problems.BadRequest($"{field} is an array of at most {InterestLog.MaxTagsPerRecord} tags.");
            }

            foreach (var item in array)
            {
                if (item is not JsonValue value || !value.TryGetValue<string>(out var text) || InterestLog.NormalizeTag(text) is not { } tag)
                {
                    return Problems.BadRequest($"{field} holds tags of 1–{InterestLog.MaxTagLength} characters.");
                }

                into.Add(tag);
            }
        }

        if (add.Count + remove.Count == 0)
        {
            return Problems.BadRequest("Send add and/or remove with at least one tag, e.g. {\"add\":[\"vip\"]}.");
        }

        if (add.Intersect(remove, StringComparer.Ordinal).FirstOrDefault() is { } both)
        {
            return Problems.BadRequest($"'{both}' is both in add and in remove.");
        }

        return IsRecordId(id)
            ? Result(await log.ChangeTagsAsync(id, [.. add.Distinct(StringComparer.Ordinal)], [.. remove.Distinct(StringComparer.Ordinal)]), id)
            : NotFound(id);
    }

    private static IResult Result(InterestChange change, string id) => change.Status switch
    {
        InterestChangeStatus.Done => TypedResults.Ok(change.Record),
        InterestChangeStatus.NotFound => NotFound(id),
        _ => Problems.Create(StatusCodes.Status409Conflict, "Conflict", change.Detail ?? "The record changed meanwhile."),
    };

    private static IResult NotFound(string id) => Problems.NotFound($"No interest record '{id}'.");

    private static bool TryGetText(JsonObject body, string field, out string text)
    {
        text = "";
        return body[field] is JsonValue value && value.TryGetValue(out text!);
    }

    /// <summary>Record ids are <c>in-</c>, <c>out-</c> or <c>req-</c> and hex; anything else is not one (and never reaches a key name).</summary>
    private static bool IsRecordId(string id) => RecordIdPattern().IsMatch(id);

    [GeneratedRegex("^[a-z]{1,8}-[0-9a-f]{1,64}$")]
    private static partial Regex RecordIdPattern();

    private static bool TryParseDate(string? text, out DateTimeOffset? date)
    {
        date = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            date = parsed;
            return true;
        }

        return false;
    }
}
