namespace SupportBot.Handoff.Departments;

/// <summary>
/// The departments and the rule that picks one for a chat. They come from configuration and can be
/// replaced while the host runs (admins edit them in the console); readers always see one whole set.
/// </summary>
public sealed class DepartmentDirectory
{
    private volatile Snapshot _current;

    /// <exception cref="ArgumentException">The options are invalid; the message lists every error with its configuration path.</exception>
    public DepartmentDirectory(HandoffOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
            throw new ArgumentException("Invalid handoff configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(options));

        _current = Build(options.Departments);
    }

    private sealed record Snapshot(IReadOnlyList<Department> All, IReadOnlyList<DepartmentOptions> Options);

    private static Snapshot Build(List<DepartmentOptions>? configured) =>
        configured is { Count: > 0 }
            ? new Snapshot([.. configured.Select(Department.From)], [.. configured])
            : new Snapshot([new Department(HandoffOptions.DefaultDepartmentName)], [new DepartmentOptions { Name = HandoffOptions.DefaultDepartmentName }]);

    /// <summary>Every department, in configuration order.</summary>
    public IReadOnlyList<Department> All => _current.All;

    /// <summary>The settings the current departments were built from (what an editor starts from).</summary>
    public IReadOnlyList<DepartmentOptions> Options => _current.Options;

    /// <summary>The mistakes in <paramref name="departments"/>, each with its path (<c>Handoff:Departments:1:Hours:Mon: …</c>); empty when usable.</summary>
    public static IReadOnlyList<string> Check(IReadOnlyList<DepartmentOptions> departments) =>
        departments.Count == 0 ? ["Handoff:Departments: at least one department is needed"] : new HandoffOptions { Departments = [.. departments] }.Validate();

    /// <summary>Switches to <paramref name="departments"/> if they are valid; returns their mistakes otherwise (and changes nothing).</summary>
    public IReadOnlyList<string> Replace(IReadOnlyList<DepartmentOptions> departments)
    {
        var errors = Check(departments);
        if (errors.Count == 0)
            _current = Build([.. departments]);
        return errors;
    }

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
