using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;
using SupportBot.Storage;

namespace SupportBot.AgentConsole.Accounts;

/// <summary>
/// An open console page runs on a live connection that never sends the cookie again, so the sign-in check of each
/// request (<see cref="ConsoleSetup"/>) does not reach it. This re-checks the account every
/// <c>Console:RevalidateSeconds</c>: once it is disabled, deleted or given a new password, the page signs out.
/// </summary>
internal sealed class AccountRevalidation(ILoggerFactory loggerFactory, AgentAccountStore accounts, IOptions<ConsoleOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    private readonly ILogger _log = loggerFactory.CreateLogger<AccountRevalidation>();

    protected override TimeSpan RevalidationInterval => TimeSpan.FromSeconds(options.Value.RevalidateSeconds);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        var user = authenticationState.User;
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        if (id is null)
        {
            return true;
        }

        try
        {
            return ConsoleSetup.SessionStillValid(user, await accounts.GetAsync(id));
        }
        catch (Exception e) when (StoreOutage.IsOutage(e) || e is ObjectDisposedException)
        {
            // The store could not say (Redis restarting, or the host shutting down). The base class would sign the
            // page out on any exception, so a Redis restart would sign out every agent at work; keep the page and
            // ask again at the next interval instead.
            Log.ConsoleRevalidationDeferred(_log, e.GetType().Name);
            return true;
        }
    }
}
