using System.ComponentModel.DataAnnotations;

namespace SupportBot.AgentConsole;

/// <summary><c>Console:*</c>: sign-in rules and the first admin.</summary>
public sealed class ConsoleOptions
{
    public const string Section = "Console";

    /// <summary>Wrong passwords from one client address before that address is locked out of the account (ten times as many from anywhere lock it).</summary>
    [Range(1, 100)]
    public int MaxFailedLogins { get; set; } = 5;

    [Range(1, 24 * 60)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>How long a sign-in lasts without activity.</summary>
    [Range(1, 24 * 14)]
    public int SessionHours { get; set; } = 12;

    /// <summary>How often an open console page re-checks its account (disabled, deleted, new password: it signs out).</summary>
    [Range(1, 3600)]
    public int RevalidateSeconds { get; set; } = 30;

    /// <summary>Created (or its password reset) at start-up when set, e.g. from <c>Console__Admin__Email</c> / <c>Console__Admin__Password</c>.</summary>
    public FirstAdminOptions Admin { get; set; } = new();

    /// <summary>Canned-reply placeholders and the sound cue need nothing else; this is the page title.</summary>
    public string Title { get; set; } = "Support console";
}

public sealed class FirstAdminOptions
{
    public string? Email { get; set; }

    public string? Password { get; set; }

    public string Name { get; set; } = "Administrator";
}
