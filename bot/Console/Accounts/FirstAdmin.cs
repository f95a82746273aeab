using Microsoft.Extensions.Options;

namespace SupportBot.AgentConsole.Accounts;

/// <summary>Creates the admin named by <c>Console:Admin:Email</c> / <c>Console:Admin:Password</c> when that e-mail has no account yet.</summary>
public static class FirstAdmin
{
    public static async Task EnsureAsync(IServiceProvider services)
    {
        var admin = services.GetRequiredService<IOptions<ConsoleOptions>>().Value.Admin;
        if (string.IsNullOrWhiteSpace(admin.Email) || string.IsNullOrEmpty(admin.Password))
        {
            return;
        }

        var accounts = services.GetRequiredService<AgentAccountStore>();
        if (await accounts.FindByEmailAsync(admin.Email) is not null)
        {
            return;
        }

        if (AgentAccountStore.Problem(admin.Email, admin.Name, AgentRoles.Admin, admin.Password) is { } problem)
        {
            throw new OptionsValidationException(ConsoleOptions.Section, typeof(ConsoleOptions), [$"Console:Admin: {problem}"]);
        }

        var account = await accounts.UpsertAsync(admin.Email, admin.Name, AgentRoles.Admin, [], admin.Password);
        Log.FirstAdminEnsured(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(FirstAdmin)), account.Id);
    }
}
