using System.Text.RegularExpressions;

namespace SupportBot.Handoff.Departments;

/// <summary>What a customer who asks for a person outside a department's hours gets.</summary>
public enum AfterHoursMode
{
    /// <summary>They wait in the queue and are told when the team opens.</summary>
    Queue,

    /// <summary>They leave a request (contact details and question) for the team to answer later.</summary>
    OfflineRequest,
}

/// <summary><c>Handoff:Departments:N:*</c>: one team that chats are routed to.</summary>
public sealed partial class DepartmentOptions
{
    /// <summary>Id of the department: lowercase letters, digits, <c>-</c> and <c>_</c>, at most 40 characters (it becomes part of Redis keys).</summary>
    public string Name { get; set; } = "";

    /// <summary>Languages the team answers in, e.g. <c>["en", "de"]</c>; empty means every language.</summary>
    public string[] Languages { get; set; } = [];

    /// <summary>Free tags that route chats here, e.g. <c>returns</c> or <c>payment</c> (a dialog's handoff step may name one).</summary>
    public string[] Skills { get; set; } = [];

    /// <summary>0–9; chats of a higher-priority department are served first.</summary>
    public int Priority { get; set; }

    /// <summary>IANA time zone the <see cref="Hours"/> and <see cref="Holidays"/> are in, e.g. <c>Europe/Berlin</c>.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>
    /// Opening hours by day. Keys: <c>Mon</c>…<c>Sun</c>, ranges such as <c>Mon-Fri</c>, or <c>Daily</c>;
    /// a single day overrides a range, and a range overrides <c>Daily</c>. Values: <c>09:00-18:00</c>,
    /// several ranges such as <c>09:00-13:00, 14:00-18:00</c>, an overnight range such as
    /// <c>22:00-02:00</c>, or <c>closed</c>. Days not named are closed; no hours at all means always open.
    /// </summary>
    public Dictionary<string, string> Hours { get; set; } = [];

    /// <summary>
    /// Local days the team is closed all day: <c>2026-12-25</c> for one date, <c>12-25</c> for every year.
    /// An overnight range from the evening before ends at midnight; one starting on the holiday does not happen.
    /// </summary>
    public string[] Holidays { get; set; } = [];

    /// <summary>What happens when a customer asks for a person while the department is closed.</summary>
    public AfterHoursMode AfterHours { get; set; } = AfterHoursMode.Queue;

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]
    private static partial Regex LanguageTag();

    /// <summary>Adds this department's mistakes to <paramref name="errors"/>, each prefixed with <paramref name="path"/>.</summary>
    internal void Validate(string path, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(Name))
            errors.Add($"{path}:{nameof(Name)}: is empty");
        else if (!Department.IsValidName(Name))
            errors.Add($"{path}:{nameof(Name)}: '{Name}' must be lowercase letters, digits, '-' or '_', starting with a letter or digit, at most 40 characters");

        var languages = Languages ?? [];
        for (var i = 0; i < languages.Length; i++)
            if (languages[i] is null || !LanguageTag().IsMatch(languages[i]))
                errors.Add($"{path}:{nameof(Languages)}:{i}: '{languages[i]}' is not a language code like en or de-AT");

        var skills = Skills ?? [];
        for (var i = 0; i < skills.Length; i++)
            if (string.IsNullOrWhiteSpace(skills[i]))
                errors.Add($"{path}:{nameof(Skills)}:{i}: is empty");

        if (Priority is < 0 or > 9)
            errors.Add($"{path}:{nameof(Priority)}: must be 0 to 9, not {Priority}");

        if (!Enum.IsDefined(AfterHours))
            errors.Add($"{path}:{nameof(AfterHours)}: '{AfterHours}' is not one of {string.Join(", ", Enum.GetNames<AfterHoursMode>())}");

        BusinessHours.TryParse(TimeZone, Hours, Holidays, (field, message) => errors.Add($"{path}:{field}: {message}"));
    }
}
