using System.Text.RegularExpressions;

namespace SupportBot.Handoff.Departments;

/// <summary>A team that chats are routed to, as configured in <see cref="DepartmentOptions"/>. Immutable.</summary>
public sealed partial class Department
{
    public Department(
        string name,
        IEnumerable<string>? languages = null,
        IEnumerable<string>? skills = null,
        int priority = 0,
        BusinessHours? hours = null,
        AfterHoursMode afterHours = AfterHoursMode.Queue)
    {
        if (!IsValidName(name))
            throw new ArgumentException($"'{name}' is not a department name (lowercase letters, digits, '-', '_').", nameof(name));
        ArgumentOutOfRangeException.ThrowIfNegative(priority);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(priority, 9);
        Name = name;
        Languages = [.. languages ?? []];
        Skills = [.. skills ?? []];
        Priority = priority;
        Hours = hours ?? BusinessHours.AlwaysOpen;
        AfterHours = afterHours;
    }

    /// <summary>Lowercase id; part of Redis keys.</summary>
    public string Name { get; }

    /// <summary>Languages the team answers in; empty means all.</summary>
    public IReadOnlyList<string> Languages { get; }

    /// <summary>Tags a dialog's handoff hint can name to route here.</summary>
    public IReadOnlyList<string> Skills { get; }

    /// <summary>0–9; higher is served first.</summary>
    public int Priority { get; }

    /// <summary>When agents of this department are at work.</summary>
    public BusinessHours Hours { get; }

    /// <summary>What a customer asking for a person gets while the department is closed.</summary>
    public AfterHoursMode AfterHours { get; }

    /// <summary>True when no languages are listed.</summary>
    public bool TakesAllLanguages => Languages.Count == 0;

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,39}$")]
    private static partial Regex NamePattern();

    /// <summary>Lowercase letters, digits, '-' and '_', starting with a letter or digit, 1–40 characters.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>Builds a department from validated options; throws <see cref="FormatException"/> on bad hours.</summary>
    public static Department From(DepartmentOptions options) => new(
        options.Name, options.Languages, options.Skills, options.Priority, BusinessHours.From(options), options.AfterHours);

    /// <summary>
    /// True when <paramref name="language"/> is named in <see cref="Languages"/>: exactly, or by its
    /// primary subtag (a team listing <c>de</c> takes <c>de-AT</c>; one listing <c>pt-BR</c> does not take <c>pt-PT</c>).
    /// </summary>
    public bool ListsLanguage(string? language)
    {
        if (string.IsNullOrWhiteSpace(language))
            return false;
        language = language.Trim().Replace('_', '-');
        var primary = language.Split('-')[0];
        return Languages.Any(listed =>
            listed.Equals(language, StringComparison.OrdinalIgnoreCase) || listed.Equals(primary, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True when <paramref name="skill"/> is one of <see cref="Skills"/>, ignoring case.</summary>
    public bool HasSkill(string? skill) =>
        !string.IsNullOrWhiteSpace(skill) && Skills.Any(s => s.Trim().Equals(skill.Trim(), StringComparison.OrdinalIgnoreCase));

    public override string ToString() => Name;
}
