using System.Security.Claims;
using SupportBot.AgentConsole.Accounts;

namespace SupportBot.Api;

/// <summary>Who may use the API's team-wide views (reports, the CRM export's deliveries).</summary>
public static class ApiAccess
{
    /// <summary>An API key (a system), or a console sign-in as supervisor or admin, as on the console's pages.</summary>
    public static bool IsSystemOrSupervisor(ClaimsPrincipal user) =>
        user.Identities.Any(i => i.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName)
        || user.IsInRole(AgentRoles.Supervisor) || user.IsInRole(AgentRoles.Admin);

    /// <summary>An API key (a system), or a console sign-in as admin: for what cannot be undone (erasing a customer).</summary>
    public static bool IsSystemOrAdmin(ClaimsPrincipal user) =>
        user.Identities.Any(i => i.AuthenticationType == ApiKeyAuthenticationHandler.SchemeName) || user.IsInRole(AgentRoles.Admin);
}
