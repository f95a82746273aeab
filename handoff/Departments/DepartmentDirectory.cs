namespace SupportBot.Handoff.Departments;

/// <summary>The configured departments and the rule that picks one for a chat.</summary>
public sealed class DepartmentDirectory
{
    /// <exception cref="ArgumentException">The options are invalid; the message lists every error with its configuration path.</exception>
    public DepartmentDirectory(HandoffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid handoff configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(options));

        All = options.Departments is { Count: > 0 } configured
            ? [.. configured.Select(Department.From)]
            : [new Department(HandoffOptions.DefaultDepartmentName)];
    }

    /// <summary>Every department, in configuration order.</summary>
    public IReadOnlyList<Department> All { get; }

    /// <summary>The first department; where chats go when nothing else matches.</summary>
    public Department Default => All[0];

    /// <summary>The department of that name (case-insensitive), or null.</summary>
    public Department? Find(string? name) =>
        string.IsNullOrWhiteSpace(name) ? null : All.FirstOrDefault(d => d.Name.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Picks the department for a chat. A <paramref name="hint"/> (from a dialog step, e.g. <c>payment</c>)
    /// naming a department wins; else one naming a skill, preferring a department that lists the
    /// customer's language. Without a hint: the first department listing the language, else the first
    /// that takes all languages, else <see cref="Default"/>.
    /// </summary>
    public Department Route(string? language, string? hint)
    {
        if (Find(hint) is { } named)
            return named;
        var skilled = All.Where(d => d.HasSkill(hint)).ToList();
        return BestForLanguage(skilled, language) ?? BestForLanguage(All, language) ?? Default;
    }

    private static Department? BestForLanguage(IReadOnlyList<Department> candidates, string? language) =>
        candidates.FirstOrDefault(d => d.ListsLanguage(language))
        ?? candidates.FirstOrDefault(d => d.TakesAllLanguages)
        ?? candidates.FirstOrDefault();
}
