namespace SupportBot.Handoff.Departments;

/// <summary>How a queued chat reaches an agent.</summary>
public enum AssignmentMode
{
    /// <summary>Agents pick chats from the queue themselves.</summary>
    Claim,

    /// <summary>Chats are offered to available agents in turn.</summary>
    RoundRobin,

    /// <summary>Chats are offered to the available agent with the fewest open chats.</summary>
    LeastBusy,
}

/// <summary><c>Handoff:*</c>: departments, assignment and the timings of the human handoff.</summary>
public sealed class HandoffOptions
{
    public const string Section = "Handoff";

    /// <summary>Name of the department used when <see cref="Departments"/> is empty.</summary>
    public const string DefaultDepartmentName = "support";

    /// <summary>
    /// The teams chats are routed to; the first one is the default. Empty means one department
    /// named <c>support</c> that takes every language and is always open.
    /// </summary>
    public List<DepartmentOptions> Departments { get; set; } = [];

    /// <summary>How a queued chat reaches an agent.</summary>
    public AssignmentMode Assignment { get; set; } = AssignmentMode.LeastBusy;

    /// <summary>An offered or assigned chat the agent has not answered within this many seconds goes back to the queue.</summary>
    public int AnswerLeaseSeconds { get; set; } = 120;

    /// <summary>An agent whose last heartbeat is older than this many seconds is considered gone.</summary>
    public int PresenceTtlSeconds { get; set; } = 30;

    /// <summary>Seconds a vanished agent has to come back before their chats are queued again.</summary>
    public int AgentGraceSeconds { get; set; } = 60;

    /// <summary>A returning customer goes to the agent who last served them if that was within this many hours (0 = never).</summary>
    public int ReturnToSameAgentHours { get; set; } = 24;

    /// <summary>
    /// A chat whose customer has not answered the agent's last message for this many minutes is resolved by itself (the
    /// agent gets the seat back, the customer is told as after any resolve); 0 = never. A chat whose customer wrote last
    /// waits for the agent however long it takes.
    /// </summary>
    public double ResolveIdleAfterMinutes { get; set; } = 1440;

    /// <summary>Chats an agent handles at once unless their own setting says otherwise.</summary>
    public int DefaultAgentCapacity { get; set; } = 3;

    /// <summary>Consecutive messages the bot did not understand before it offers a person (0 = never).</summary>
    public int UnrecognizedBeforeHandoff { get; set; } = 3;

    /// <summary>A message whose sentiment is negative (on-machine lexicon) brings in a person at once.</summary>
    public bool NegativeSentimentHandoff { get; set; }

    /// <summary>A waiting customer is told their position and expected wait at most once per this many minutes.</summary>
    public int QueueNoticeMinutes { get; set; } = 3;

    /// <summary>Seconds an agent is assumed to spend per chat for the wait estimate until real handle times exist.</summary>
    public int DefaultHandleSeconds { get; set; } = 300;

    /// <summary>
    /// Every mistake in these options, each starting with its configuration path
    /// (<c>Handoff:Departments:1:Hours:Mon: …</c>) so it can be found in appsettings or the environment.
    /// Empty when the options are usable.
    /// </summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();

        AtLeast(nameof(AnswerLeaseSeconds), AnswerLeaseSeconds, 5);
        AtLeast(nameof(PresenceTtlSeconds), PresenceTtlSeconds, 5);
        AtLeast(nameof(AgentGraceSeconds), AgentGraceSeconds, 0);
        AtLeast(nameof(ReturnToSameAgentHours), ReturnToSameAgentHours, 0);
        AtLeast(nameof(DefaultAgentCapacity), DefaultAgentCapacity, 1);
        AtLeast(nameof(UnrecognizedBeforeHandoff), UnrecognizedBeforeHandoff, 0);
        AtLeast(nameof(QueueNoticeMinutes), QueueNoticeMinutes, 1);
        AtLeast(nameof(DefaultHandleSeconds), DefaultHandleSeconds, 1);
        if (!double.IsFinite(ResolveIdleAfterMinutes) || ResolveIdleAfterMinutes < 0)
            errors.Add($"{Section}:{nameof(ResolveIdleAfterMinutes)}: must be 0 (never) or more minutes, not {ResolveIdleAfterMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (!Enum.IsDefined(Assignment))
            errors.Add($"{Section}:{nameof(Assignment)}: '{Assignment}' is not one of {string.Join(", ", Enum.GetNames<AssignmentMode>())}");

        var departments = Departments ?? [];
        var firstIndexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < departments.Count; i++)
        {
            var path = $"{Section}:{nameof(Departments)}:{i}";
            if (departments[i] is not { } department)
            {
                errors.Add($"{path}: is empty");
                continue;
            }
            department.Validate(path, errors);
            // Only valid (lowercase) names are compared; a bad name already has its own error.
            if (Department.IsValidName(department.Name) && !firstIndexByName.TryAdd(department.Name, i))
                errors.Add($"{path}:{nameof(DepartmentOptions.Name)}: '{department.Name}' is already used by {Section}:{nameof(Departments)}:{firstIndexByName[department.Name]}");
        }
        return errors;

        void AtLeast(string name, int value, int minimum)
        {
            if (value < minimum)
                errors.Add($"{Section}:{name}: must be at least {minimum}, not {value}");
        }
    }
}
