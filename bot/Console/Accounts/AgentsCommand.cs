using SupportBot.Handoff;

namespace SupportBot.AgentConsole.Accounts;

/// <summary>
/// <c>dotnet run --project bot -- agents add --email ann@example.com --role admin [--name "Ann"] [--departments support,billing] [--password …]</c>
/// and <c>agents list</c>. The password comes from <c>--password</c>, else the <c>AGENT_PASSWORD</c> environment variable,
/// else it is asked for on the terminal. With the embedded store, stop the running service first (one process owns its files).
/// </summary>
public static class AgentsCommand
{
    public const string Usage = """
        Usage:
          agents add --email <e-mail> --role agent|supervisor|admin [--name <name>] [--departments <a,b>] [--password <password>]
          agents list
        The password may instead come from the AGENT_PASSWORD environment variable or be typed when asked.
        """;

    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        var accounts = services.GetRequiredService<AgentAccountStore>();
        switch (args)
        {
            case ["list", ..]:
                foreach (var account in await accounts.ListAsync())
                {
                    System.Console.WriteLine($"{account.Id}\t{account.Email}\t{account.Role}\t{string.Join(',', account.Departments)}{(account.Disabled ? "\tdisabled" : "")}");
                }

                return 0;

            case ["add", .. var options]:
                var values = Options(options);
                if (values is null || !values.TryGetValue("email", out var email) || !values.TryGetValue("role", out var role))
                {
                    await System.Console.Error.WriteLineAsync(Usage);
                    return 2;
                }

                var departments = values.TryGetValue("departments", out var list) ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
                var known = services.GetRequiredService<HandoffService>().Departments;
                if (departments.FirstOrDefault(d => known.Find(d) is null) is { } unknown)
                {
                    await System.Console.Error.WriteLineAsync($"Unknown department '{unknown}'. Known: {string.Join(", ", known.All.Select(d => d.Name))}.");
                    return 2;
                }

                var password = values.GetValueOrDefault("password") ?? Environment.GetEnvironmentVariable("AGENT_PASSWORD") ?? AskPassword();
                var name = values.GetValueOrDefault("name") ?? email.Split('@')[0];
                if (AgentAccountStore.Problem(email, name, role, password ?? "") is { } problem)
                {
                    await System.Console.Error.WriteLineAsync(problem);
                    return 2;
                }

                var saved = await accounts.UpsertAsync(email, name, role, departments, password);
                System.Console.WriteLine($"Saved {saved.Email} ({saved.Role}) as agent id {saved.Id}.");
                return 0;

            default:
                await System.Console.Error.WriteLineAsync(Usage);
                return 2;
        }
    }

    /// <summary><c>--key value</c> pairs, or null when one has no value.</summary>
    private static Dictionary<string, string>? Options(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                return null;
            }

            values[args[i][2..]] = args[i + 1];
        }

        return values;
    }

    private static string? AskPassword()
    {
        if (System.Console.IsInputRedirected)
        {
            return System.Console.ReadLine();
        }

        System.Console.Write("Password: ");
        var typed = new System.Text.StringBuilder();
        for (var key = System.Console.ReadKey(intercept: true); key.Key != ConsoleKey.Enter; key = System.Console.ReadKey(intercept: true))
        {
            if (key.Key == ConsoleKey.Backspace && typed.Length > 0)
            {
                typed.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
            }
        }

        System.Console.WriteLine();
        return typed.ToString();
    }
}
