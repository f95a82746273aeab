using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace SupportBot.AgentConsole.Accounts;

/// <summary>
/// An open console page runs on a live connection that never sends the cookie again, so the sign-in check of each
/// request (<see cref="ConsoleSetup"/>) does not reach it. This re-checks the account every
/// <c>Console:RevalidateSeconds</c>: once it is disabled, deleted or given a new password, the page signs out.
/// </summary>
internal sealed class AccountRevalidation(ILoggerFactory loggerFactory, AgentAccountStore accounts, IOptions<ConsoleOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(options.Value.RevalidateSeconds);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var user = authenticationState.User;
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        return id is null || ConsoleSetup.SessionStillValid(user, await accounts.GetAsync(id));
    }
}
