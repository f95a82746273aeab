using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using SupportBot.AgentConsole.Accounts;

namespace SupportBot.AgentConsole;

/// <summary>What every console page needs: the signed-in account (re-read from the store, so a role change shows at once).</summary>
public abstract class ConsolePage : Live.LiveComponent
{
    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    [Inject]
    protected AgentAccountStore Accounts { get; set; } = default!;

    /// <summary>The signed-in account; null only while loading or when it was removed.</summary>
    protected AgentAccount? Me { get; private set; }

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        Me = id is null ? null : await Accounts.GetAsync(id);
        await OnSignedInAsync();
    }

    /// <summary>Runs once the account is known.</summary>
    protected virtual Task OnSignedInAsync() => Task.CompletedTask;
}
