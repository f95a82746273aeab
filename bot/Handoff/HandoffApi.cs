using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SupportBot.Api;
using SupportBot.Pipeline;

namespace SupportBot.Handoff;

/// <summary>
/// The agents' HTTP API (the console uses it; until logins arrive the caller presents an API key
/// and names the acting agent in <c>X-Agent-Id</c>). Every refusal is a problem-details 4xx.
/// </summary>
public static partial class HandoffApi
{
    public const string AgentHeader = ActingAgent.Header;

    /// <summary>Longest agent message we relay; channels split or reject longer ones.</summary>
    public const int MaxMessageLength = 4096;

    /// <summary>A transfer's note, a return's note, a resolve's reason.</summary>
    public const int MaxNoteLength = 1000;

    private const long MaxBodyBytes = 16 * 1024;

    public static RouteGroupBuilder MapHandoffApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api");
        group.MapGet("/handoff/queue", Queue);
        group.MapGet("/handoff/mine", Mine);
        group.MapGet("/handoff/stats", Stats);
        var chat = group.MapGroup("/handoff/{conversationId}").AddEndpointFilter(DepartmentGuardAsync);
        chat.MapGet("/", Details);
        chat.MapPost("/claim", Claim);
        chat.MapPost("/messages", Message);
        chat.MapPost("/transfer", Transfer);
        chat.MapPost("/return", Return);
        chat.MapPost("/resolve", Resolve);
        group.MapGet("/agents", Agents);
        group.MapPut("/agents/{agentId}/presence", Presence);
        return group;
    }

    private static async Task<IResult> Queue(HttpContext http, HandoffService handoff, AgentConsole.Accounts.AgentAccountStore accounts, string? department)
    {
        if (department is not null && handoff.Departments.Find(department) is null)
        {
            return Problems.BadRequest($"Unknown department '{department}'. Known: {string.Join(", ", handoff.Departments.All.Select(d => d.Name))}.");
        }

        var names = department is null ? handoff.Departments.All.Select(d => d.Name) : [handoff.Departments.Find(department)!.Name];
        if (ActingAgent.SignedInAgent(http.User) is { } agentId)
        {
            // A signed-in agent sees the queues of their own departments.
            var account = await accounts.GetAsync(agentId);
            names = names.Where(name => account?.MayOpen(name) == true);
        }

        var queue = await handoff.Store.GetQueueAsync(names);
        var profiles = await Task.WhenAll(queue.Select(q => handoff.Store.GetProfileAsync(q.ConversationId)));
        return TypedResults.Ok(new
        {
            total = queue.Count,
            items = queue.Select((q, i) => new
            {
                q.ConversationId,
                q.Department,
                q.Position,
                q.WaitingSince,
                q.Reason,
                q.Priority,
                q.AfterHours,
                customer = Customer(profiles[i]),
            }),
        });
    }

    /// <summary>
    /// A signed-in agent works only their departments' chats (supervisors and admins all of them).
    /// API-key callers are trusted integrations and name the agent themselves.
    /// </summary>
    private static async ValueTask<object?> DepartmentGuardAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (ActingAgent.SignedInAgent(http.User) is { } agentId && http.GetRouteValue("conversationId") is string conversationId && BadConversation(conversationId) is null)
        {
            var account = await http.RequestServices.GetRequiredService<AgentConsole.Accounts.AgentAccountStore>().GetAsync(agentId);
            var chat = await http.RequestServices.GetRequiredService<HandoffService>().Store.GetChatAsync(conversationId);
            if (account is null || !account.MayOpen(chat?.Department))
            {
                return Problems.Forbidden($"The chat belongs to the {chat?.Department} department, which you are not in.");
            }
        }

        return await next(context);
    }

    private static async Task<IResult> Mine(HttpRequest request, HandoffService handoff)
    {
        if (AgentOf(request) is not ({ } agentId, null))
        {
            return AgentOf(request).Problem!;
        }

        var chats = await Task.WhenAll((await handoff.Store.AgentChatsAsync(agentId)).Select(handoff.Store.GetChatAsync));
        var held = chats.OfType<HandoffChat>().Where(c => c.AgentId == agentId).OrderBy(c => c.AssignedAt ?? c.OfferedAt).ToList();
        var profiles = await Task.WhenAll(held.Select(c => handoff.Store.GetProfileAsync(c.ConversationId)));
        return TypedResults.Ok(new { total = held.Count, items = held.Select((c, i) => new { chat = c, customer = Customer(profiles[i]) }) });
    }

    private static async Task<IResult> Details(string conversationId, HandoffService handoff)
    {
        if (BadConversation(conversationId) is { } problem)
        {
            return problem;
        }

        // One consistent read: status, events and transcript as they stood together.
        var details = await handoff.Store.GetDetailsAsync(conversationId);
        if (details is { Chat: null, Profile: null })
        {
            return Problems.NotFound($"No conversation '{conversationId}'.");
        }

        var chat = details.Chat;
        return TypedResults.Ok(new
        {
            conversationId,
            owner = details.Owner.Value,
            chat,
            figures = chat is null ? null : new { waitMs = Ms(chat.WaitTime), firstResponseMs = Ms(chat.FirstResponseTime), handleMs = Ms(chat.HandleTime) },
            events = details.Events,
            transcript = details.Transcript,
            customer = Customer(details.Profile),
        });
    }

    /// <summary>Queue length now and recent wait / first-response / handle times, per department and per agent.</summary>
    private static async Task<IResult> Stats(HandoffService handoff, TimeProvider time)
    {
        var store = handoff.Store;
        var departments = new List<object>();
        foreach (var department in handoff.Departments.All)
        {
            departments.Add(new
            {
                department = department.Name,
                queueLength = await store.QueueLengthAsync(department.Name),
                open = department.Hours.IsOpen(time.GetUtcNow()),
                wait = Figures(await store.FiguresAsync("wait", department.Name)),
                firstResponse = Figures(await store.FiguresAsync("first-response", department.Name)),
                handle = Figures(await store.FiguresAsync("handle", department.Name)),
            });
        }

        var agents = new List<object>();
        foreach (var agentId in await store.AgentIdsAsync())
        {
            agents.Add(new
            {
                agentId,
                firstResponse = Figures(await store.FiguresAsync("first-response", agentId: agentId)),
                handle = Figures(await store.FiguresAsync("handle", agentId: agentId)),
            });
        }

        return TypedResults.Ok(new { departments, agents });
    }

    private static async Task<IResult> Claim(string conversationId, HttpRequest request, HandoffService handoff)
    {
        var (agentId, problem) = Check(request, conversationId);
        return problem ?? Result(await handoff.ClaimAsync(conversationId, agentId!), handoff, conversationId);
    }

    private static async Task<IResult> Message(string conversationId, HttpRequest request, HandoffService handoff)
    {
        var (agentId, body, problem) = await AgentRequestAsync(request, conversationId);
        if (problem is not null)
        {
            return problem;
        }

        if (Text(body!, "text") is not { } text || string.IsNullOrWhiteSpace(text))
        {
            return Problems.BadRequest("Send {\"text\": \"…\"} with the message for the customer.");
        }

        if (text.Length > MaxMessageLength)
        {
            return Problems.BadRequest($"A message may be at most {MaxMessageLength} characters.");
        }

        return Result(await handoff.SendAsync(conversationId, agentId!, text), handoff, conversationId);
    }

    private static async Task<IResult> Transfer(string conversationId, HttpRequest request, HandoffService handoff)
    {
        var (agentId, body, problem) = await AgentRequestAsync(request, conversationId);
        if (problem is not null)
        {
            return problem;
        }

        var toAgent = Text(body!, "agentId");
        var toDepartment = Text(body!, "department");
        var note = Text(body!, "note");
        if ((toAgent is null) == (toDepartment is null))
        {
            return Problems.BadRequest("Send either \"agentId\" or \"department\" to transfer to, and optionally a \"note\".");
        }

        if (toAgent is not null && !AgentIdPattern().IsMatch(toAgent))
        {
            return Problems.BadRequest("agentId is 1–64 letters, digits, '.', '_', '@' or '-'.");
        }

        if (toDepartment is not null && handoff.Departments.Find(toDepartment) is not { } department)
        {
            return Problems.BadRequest($"Unknown department '{toDepartment}'.");
        }

        if (note?.Length > MaxNoteLength)
        {
            return Problems.BadRequest($"A note may be at most {MaxNoteLength} characters.");
        }

        // A supervisor's or admin's console sign-in may move a chat another agent holds; everyone else only their own.
        var outcome = await handoff.TransferAsync(
            conversationId, agentId!, toAgent, toDepartment is null ? null : handoff.Departments.Find(toDepartment)!.Name, note, ActingAgent.SignedInSupervisor(request.HttpContext.User));
        return outcome.Refusal == HandoffRefusal.NotYours
            ? Problems.Forbidden("Another agent holds this chat; only they, or a supervisor or admin signed in to the console, may transfer it.")
            : Result(outcome, handoff, conversationId);
    }

    private static Task<IResult> Return(string conversationId, HttpRequest request, HandoffService handoff) =>
        Close(conversationId, request, handoff, "note", (agent, text) => handoff.ReturnToBotAsync(conversationId, agent, text));

    private static Task<IResult> Resolve(string conversationId, HttpRequest request, HandoffService handoff) =>
        Close(conversationId, request, handoff, "reason", (agent, text) => handoff.ResolveAsync(conversationId, agent, text));

    private static async Task<IResult> Close(string conversationId, HttpRequest request, HandoffService handoff, string field, Func<string, string?, Task<HandoffOutcome>> close)
    {
        var (agentId, body, problem) = await AgentRequestAsync(request, conversationId, optionalBody: true);
        if (problem is not null)
        {
            return problem;
        }

        var text = body is null ? null : Text(body, field);
        if (text?.Length > MaxNoteLength)
        {
            return Problems.BadRequest($"{field} may be at most {MaxNoteLength} characters.");
        }

        return Result(await close(agentId!, text), handoff, conversationId);
    }

    private static async Task<IResult> Agents(HandoffService handoff)
    {
        var agents = await Task.WhenAll((await handoff.Store.AgentIdsAsync()).Select(handoff.Store.GetAgentAsync));
        return TypedResults.Ok(new { items = agents.OfType<AgentState>() });
    }

    private static async Task<IResult> Presence(string agentId, HttpRequest request, HandoffService handoff, Microsoft.Extensions.Options.IOptions<Departments.HandoffOptions> options)
    {
        if (AgentOf(request) is not ({ } acting, null))
        {
            return AgentOf(request).Problem!;
        }

        if (acting != agentId)
        {
            return Problems.Forbidden($"{AgentHeader} '{acting}' may only set their own presence.");
        }

        var (body, bodyProblem) = await JsonBody.ReadObjectAsync(request, MaxBodyBytes);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        if (Text(body!, "status") is not { } word || !Enum.GetNames<PresenceStatus>().Contains(word, StringComparer.OrdinalIgnoreCase)
            || !Enum.TryParse<PresenceStatus>(word, ignoreCase: true, out var status)) // one name: TryParse alone takes "3" and "online,away"
        {
            return Problems.BadRequest("status is online, away or offline.");
        }

        var capacity = options.Value.DefaultAgentCapacity;
        if (body!["capacity"] is { } capacityNode)
        {
            if (capacityNode.GetValueKind() != System.Text.Json.JsonValueKind.Number || !capacityNode.AsValue().TryGetValue<int>(out capacity) || capacity is < 1 or > 100)
            {
                return Problems.BadRequest("capacity is a whole number from 1 to 100 (chats at once).");
            }
        }

        var departments = new List<string>();
        if (body["departments"] is { } list)
        {
            if (list is not JsonArray array || array.Count > 50)
            {
                return Problems.BadRequest("departments is a list of department names.");
            }

            foreach (var item in array)
            {
                if (item?.GetValueKind() != System.Text.Json.JsonValueKind.String || handoff.Departments.Find(item.GetValue<string>()) is not { } department)
                {
                    return Problems.BadRequest($"Unknown department {item?.ToJsonString()}. Known: {string.Join(", ", handoff.Departments.All.Select(d => d.Name))}.");
                }

                departments.Add(department.Name);
            }
        }

        var name = Text(body, "name");
        if (name?.Length > 100)
        {
            return Problems.BadRequest("name may be at most 100 characters.");
        }

        await handoff.SetPresenceAsync(agentId, new PresenceUpdate(status, capacity, departments, name));
        return TypedResults.Ok(await handoff.Store.GetAgentAsync(agentId));
    }

    private static IResult Result(HandoffOutcome outcome, HandoffService handoff, string conversationId) => outcome.Refusal switch
    {
        HandoffRefusal.None => TypedResults.Ok(new { conversationId, ok = true }),
        HandoffRefusal.UnknownChat => Problems.NotFound(outcome.Detail ?? $"No handoff for '{conversationId}'."),
        HandoffRefusal.NotYours => Problems.Forbidden(outcome.Detail ?? "The chat is held by another agent."),
        HandoffRefusal.Taken => Problems.Create(StatusCodes.Status409Conflict, "Taken", outcome.Detail ?? "Another agent was first."),
        HandoffRefusal.AgentUnavailable => Problems.Create(StatusCodes.Status409Conflict, "Agent unavailable", outcome.Detail ?? "The agent is not signed in."),
        _ => Problems.Create(StatusCodes.Status409Conflict, "Wrong state", outcome.Detail ?? "The chat is not in a state that allows this."),
    };

    /// <summary>The acting agent, the conversation id and the JSON body of an agent's action, or the problem with them.</summary>
    private static async Task<(string? AgentId, JsonObject? Body, IResult? Problem)> AgentRequestAsync(HttpRequest request, string conversationId, bool optionalBody = false)
    {
        var (agentId, problem) = Check(request, conversationId);
        if (problem is not null)
        {
            return (null, null, problem);
        }

        var (body, bodyProblem) = await JsonBody.ReadObjectAsync(request, MaxBodyBytes, optionalBody);
        return (agentId, body, bodyProblem);
    }

    private static (string? AgentId, IResult? Problem) Check(HttpRequest request, string conversationId) =>
        BadConversation(conversationId) is { } problem ? (null, problem) : AgentOf(request);

    private static (string? AgentId, IResult? Problem) AgentOf(HttpRequest request) => ActingAgent.From(request.HttpContext);

    private static IResult? BadConversation(string conversationId)
    {
        try
        {
            ConversationIds.Validate(conversationId);
            return null;
        }
        catch (ArgumentException)
        {
            return Problems.BadRequest($"'{conversationId}' is not a conversation id.");
        }
    }

    private static string? Text(JsonObject body, string name) =>
        body[name] is { } node && node.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : null;

    private static object? Customer(ConversationProfile? profile) => profile is null ? null : new
    {
        profile.Channel,
        profile.UserId,
        profile.Name,
        profile.PhotoUrl,
        profile.ProfileUrl,
        profile.Language,
        lastActivity = DateTimeOffset.FromUnixTimeMilliseconds(profile.LastActivityUnixMs),
    };

    private static object Figures(HandoffFigures figures) => new { samples = figures.Samples, medianMs = Ms(figures.Median), averageMs = Ms(figures.Average) };

    private static long? Ms(TimeSpan? span) => span is { } s ? (long)s.TotalMilliseconds : null;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")]
    internal static partial Regex AgentIdPattern();
}
