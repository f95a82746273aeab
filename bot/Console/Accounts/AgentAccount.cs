namespace SupportBot.AgentConsole.Accounts;

/// <summary>What a console user may do: agents work their departments; supervisors see everything and reports; admins also manage.</summary>
public static class AgentRoles
{
    public const string Agent = "agent";
    public const string Supervisor = "supervisor";
    public const string Admin = "admin";

    /// <summary>For <c>[Authorize(Roles = …)]</c>: supervisors and admins.</summary>
    public const string SupervisorOrAdmin = Supervisor + "," + Admin;

    public static readonly IReadOnlyList<string> All = [Agent, Supervisor, Admin];

    public static bool SeesAllDepartments(string role) => role is Supervisor or Admin;
}

/// <summary>A console sign-in. The id is also the agent's id in the handoff queue.</summary>
public sealed record AgentAccount
{
    public required string Id { get; init; }

    public required string Email { get; init; }

    public required string Name { get; init; }

    public required string Role { get; init; }

    public IReadOnlyList<string> Departments { get; init; } = [];

    /// <summary>The console's language for this agent: en or ru.</summary>
    public string Language { get; init; } = "en";

    /// <summary>Chats the agent takes at once when online.</summary>
    public int Capacity { get; init; } = 3;

    public bool Disabled { get; init; }

    public string PasswordHash { get; init; } = "";

    public int FailedLogins { get; init; }

    public DateTimeOffset? LockedUntil { get; init; }

    public bool SeesAllDepartments => AgentRoles.SeesAllDepartments(Role);

    /// <summary>Whether this account may open a chat of <paramref name="department"/>.</summary>
    public bool MayOpen(string? department) =>
        SeesAllDepartments || department is null || Departments.Contains(department, StringComparer.OrdinalIgnoreCase);
}
