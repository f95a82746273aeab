using System.Security.Claims;
using SupportBot.Handoff;

namespace SupportBot.Api;

/// <summary>
/// Who is acting: a signed-in agent (console cookie: the agent id is their name-identifier claim),
/// or an API client that names the agent in <c>X-Agent-Id</c>. One place, so every endpoint agrees.
/// </summary>
public static class ActingAgent
{
    public const string Header = "X-Agent-Id";

    /// <summary>The acting agent's id, or the problem (400) with how it was named.</summary>
    public static (string? AgentId, IResult? Problem) From(HttpContext context)
    {
        if (SignedInAgent(context.User) is { } signedIn)
        {
            return (signedIn, null);
        }

        var agentId = context.Request.Headers[Header].ToString();
        if (agentId.Length == 0)
        {
            return (null, Problems.BadRequest($"Name the acting agent in the {Header} header."));
        }

        return HandoffApi.AgentIdPattern().IsMatch(agentId)
            ? (agentId, null)
            : (null, Problems.BadRequest($"{Header} is 1–64 letters, digits, '.', '_', '@' or '-'."));
    }

    /// <summary>The agent id of a console sign-in (not of an API key), or null.</summary>
    public static string? SignedInAgent(ClaimsPrincipal user) => ConsoleIdentity(user)?.FindFirst(ClaimTypes.NameIdentifier)?.Value;

    /// <summary>
    /// A console sign-in of a supervisor or admin. API keys carry no role: an integration does not get a supervisor's
    /// rights by naming one in <c>X-Agent-Id</c>.
    /// </summary>
    public static bool SignedInSupervisor(ClaimsPrincipal user) =>
        ConsoleIdentity(user) is { } identity
        && (identity.HasClaim(ClaimTypes.Role, AgentConsole.Accounts.AgentRoles.Supervisor) || identity.HasClaim(ClaimTypes.Role, AgentConsole.Accounts.AgentRoles.Admin));

    private static ClaimsIdentity? ConsoleIdentity(ClaimsPrincipal user) =>
        user.Identities.FirstOrDefault(i => i.IsAuthenticated && i.AuthenticationType != ApiKeyAuthenticationHandler.SchemeName);
}
