using System.Globalization;

namespace SupportBot.Benchmarks;

/// <summary>The command line: a scenario and its options. Parsing never throws; a bad line gives <see cref="Error"/>.</summary>
internal sealed class BenchArgs
{
    public const string Usage = """
        Usage: dotnet run -c Release --project bench -- <scenario> [options]

        Scenarios:
          webchat    Direct Line turns (HTTP post + WebSocket reply) against the real host on a real
                     redis-server, plus the baseline of a bare JSON echo endpoint on the same host.
          dialogs    The dialog engine alone: a 4-step intake waterfall (text, choice, confirm prompts),
                     conversations driven round-robin, one turn in flight, state through the store.
          handoff    Handoff cycles through the Redis store, many in flight: escalate, offer to an agent (or
                     the agent's claim), one agent message through the outbox, resolve; then checks every
                     conversation's events for a chat given to two agents or left unresolved.
          interest-feed  The interest feed's query at scale: writes --records lead-card records through the
                     interest log (indexes, work state, search words), then times a filtered page and a
                     full-text search.
          interest-report
                     Report counters: writes --records synthetic inbound records' day counters through the
                     report observer (ReportCounters.RecordAddedAsync, many in flight) over one year, then times
                     the count reports (summary by source/action/product, timeline by week/month) over that year.
          llm        The LLM path's own overhead: grounded answers through Semantic Kernel's OpenAI connector
                     (masking, prompt, Polly pipeline, reply parsing) against an instant loopback stand-in,
                     one call at a time (--conversations calls, default 5000), next to a bare HTTP POST of
                     the same reply as the baseline; p99 target 5 ms.
          pipeline   Telegram webhooks (70 %) and Direct Line posts (30 %) at rising open-loop rates against the
                     real host on a real redis-server, with a Telegram Bot API stand-in that answers at once:
                     the highest rate held for --seconds with p99 under 50 ms, next to the echo baseline.
          chaos      Crash safety: --messages customer messages (website chat and Telegram webhook, many
                     conversations, some asking for a person whom agents answer and resolve) against the host as
                     its own process, SIGKILLed --kills times and restarted, and a redis-server (append-only
                     file) killed and restarted; then checks one interest record and one reply per message and
                     every handoff in exactly one place.
          memory     Memory per conversation: --conversations conversations through the host (its own process),
                     then the host's RSS and, for intake conversations, the Redis memory of their state.
          faq-eval   Trains the FAQ recognizer on one CSV file (header text,category; one category = one
                     FAQ entry) and scores it on another (or, with --folds, cross-validates on the first):
                     top-1 and top-3 accuracy, training time and the 99th percentile of one prediction.

        Options of webchat and dialogs:
          --conversations <n>       conversations in parallel, also the baseline's concurrency (default 200;
                                    dialogs: conversations driven round-robin, default 2000)
          --store memory|redis      dialogs: the dialog state store (default memory)
          --redis <connection>      dialogs: an existing Redis (default: start a redis-server on a free port)
          --near-cache              dialogs, redis: serve loads from what this process last saved (saves
                                    still compare-and-set in Redis), one round trip per turn instead of two
          --messages <n>            messages each conversation sends, one after another (default 20)
          --baseline-seconds <s>    how long the echo baseline runs (default 5)
          --timeout-seconds <s>     longest wait for one reply before the turn counts as failed (default 30)
          --set <key>=<value>       extra host setting, e.g. --set Pipeline:Workers=32 (repeatable)
          --latencies <file>        also write every measured turn as CSV: conversation,message,started_ms,latency_ms

        Options of pipeline:
          --seconds <s>             how long the best rate must hold (default 30)
          --step-seconds <s>        length of each rising step (default 4)
          --start-rate <n>          messages/s of the first step (default 50); each next step is +20 %
          --rate <n>                no steps: hold this rate for --seconds (to compare costs at one rate)
          --conversations <n>       Telegram chats; Direct Line conversations are a fifth of it (default 5000)
          --baseline-seconds <s>    how long the echo baseline runs (default 5), with 128 clients

        Options of chaos:
          --messages <n>            customer messages in all (default 10000)
          --conversations <n>       conversations typing at the same time (default 64)
          --kills <n>               SIGKILLs of the host (default 2); the Redis restart comes after them
          --seed <s>                seed of the conversations' scripts (default 1)
          --set <key>=<value>       extra host setting, e.g. --set Pipeline:LeaseSeconds=10 (repeatable)

        Options of memory:
          --conversations <n>       conversations (default 100000)
          --set <key>=<value>       extra host setting (repeatable)

        Options of handoff:
          --conversations <n>       handoff cycles measured (default 2000), after 500 of warm-up
          --agents <n>              agents online in the bench's department, capacity 8 each (default 50)
          --in-flight <n>           cycles running at once (default 64)
          --assign offer|claim      offer: automatic assignment's OfferAsync to a precomputed agent (default);
                                    claim: the agent's ClaimAsync
          --redis <connection>      an existing Redis (default: start a redis-server on a free port); the run
                                    uses its own names and removes its keys afterwards

        Options of interest-feed:
          --records <n>             records written before the queries are timed (default 100000)
          --store redis|garnet      a redis-server started for the run (default) or the embedded Garnet
          --redis <connection>      an existing Redis instead (the run's records stay there)

        Options of interest-report:
          --records <n>             synthetic records (default 1000000)
          --in-flight <n>           observer calls at once while writing (default 64)
          --redis <connection>      an existing Redis (default: start a redis-server on a free port); the run
                                    counts into the days of 2001 and deletes them afterwards

        Options of faq-eval:
          --train <csv|folder>      training examples (required): a CSV, or a content folder (e.g. content):
                                    its faq/*.yaml questions, as the bot trains on them
          --test <csv>              held-out examples to score (required, unless --folds)
          --folds <k>               instead of a test file: k-fold cross-validation on the training rows
                                    (stratified by category, with the seed); prints the pooled figures
          --shots <n>               keep only n training examples per category, picked at random with the seed
          --seed <s>                seed of that pick and of the trainer (default 1)
          --set <option>=<value>    a FaqRecognizerOptions property, e.g. --set AnswerThreshold=0.6 (repeatable)
          --misses <file>           also write the test rows not answered right as CSV: text,category,decision,top3

          -h, --help                this text

        Prints one JSON line per scenario on stdout; progress goes to stderr.
        Exit codes: 0 done, 1 the run failed (turns timed out or errors; handoff: a double assignment or
        a lost chat), 2 bad arguments.
        """;

    public string Scenario { get; private set; } = "";

    /// <summary>interest-report: synthetic records (default 1,000,000); interest-feed: records written before timing (default 100,000).</summary>
    public int Records => RecordsGiven ?? (Scenario == "interest-feed" ? 100_000 : 1_000_000);

    public int? RecordsGiven { get; private set; }

    public int Conversations => ConversationsGiven ?? Scenario switch
    {
        "dialogs" or "handoff" => 2000,
        "llm" or "pipeline" => 5000,
        "chaos" => 64,
        "memory" => 100_000,
        _ => 200,
    };

    /// <summary>chaos: SIGKILLs of the host.</summary>
    public int Kills { get; private set; } = 2;

    /// <summary>handoff: agents online.</summary>
    public int Agents { get; private set; } = 50;

    /// <summary>handoff: cycles running at once.</summary>
    public int InFlight { get; private set; } = 64;

    /// <summary>handoff: offer or claim.</summary>
    public string Assign { get; private set; } = "offer";

    public int? ConversationsGiven { get; private set; }

    /// <summary>dialogs: memory or redis.</summary>
    public string Store { get; private set; } = "memory";

    /// <summary>dialogs: the Redis store's near cache.</summary>
    public bool NearCache { get; private set; }

    /// <summary>dialogs: a Redis connection string; null starts a redis-server.</summary>
    public string? Redis { get; private set; }

    /// <summary>webchat: messages per conversation (default 20); chaos: messages in all (default 10,000).</summary>
    public int Messages => MessagesGiven ?? (Scenario == "chaos" ? 10_000 : 20);

    public int? MessagesGiven { get; private set; }

    public double BaselineSeconds { get; private set; } = 5;

    /// <summary>pipeline: how long the best rate must hold.</summary>
    public double Seconds { get; private set; } = 30;

    /// <summary>pipeline: length of each rising step.</summary>
    public double StepSeconds { get; private set; } = 4;

    /// <summary>pipeline: messages/s of the first step.</summary>
    public int StartRate { get; private set; } = 50;

    /// <summary>pipeline: hold this rate only, without the rising steps.</summary>
    public int? Rate { get; private set; }

    public double TimeoutSeconds { get; private set; } = 30;

    public string? LatenciesFile { get; private set; }

    /// <summary>faq-eval: where to write the test rows that were not answered with their category.</summary>
    public string? MissesFile { get; private set; }

    public string? TrainFile { get; private set; }

    public string? TestFile { get; private set; }

    public int? Shots { get; private set; }

    /// <summary>faq-eval: cross-validate over this many folds of the training rows instead of scoring a test file.</summary>
    public int? Folds { get; private set; }

    public int Seed { get; private set; } = 1;

    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The <c>--set</c> settings as environment variables of a host process (<c>Pipeline:Workers</c> → <c>Pipeline__Workers</c>).</summary>
    public Dictionary<string, string> SettingsAsEnvironment() =>
        Settings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value ?? "");

    public bool Help { get; private set; }

    public string? Error { get; private set; }

    public static BenchArgs Parse(IReadOnlyList<string> args)
    {
        var parsed = new BenchArgs();
        parsed.Error = parsed.Read(args);
        return parsed;
    }

    private string? Read(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help" or "-?")
            {
                Help = true;
                return null;
            }

            if (arg == "--near-cache")
            {
                NearCache = true;
                continue;
            }

            if (!arg.StartsWith('-'))
            {
                if (Scenario.Length > 0)
                {
                    return $"Only one scenario at a time; got '{Scenario}' and '{arg}'.";
                }

                if (arg is not ("webchat" or "dialogs" or "handoff" or "faq-eval" or "interest-feed" or "interest-report" or "llm" or "pipeline" or "chaos" or "memory"))
                {
                    return $"Unknown scenario '{arg}'. The scenarios are: webchat, pipeline, dialogs, handoff, faq-eval, interest-feed, interest-report, llm, chaos, memory.";
                }

                Scenario = arg;
                continue;
            }

            // --name value or --name=value
            var name = arg;
            string? value = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && arg.StartsWith("--", StringComparison.Ordinal))
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }

            if (value is null)
            {
                return $"Option '{name}' needs a value.";
            }

            var error = name switch
            {
                "--conversations" => ReadInt(name, value, 1, 1_000_000, v => ConversationsGiven = v),
                "--store" => SetStore(value),
                "--records" => ReadInt(name, value, 1, 50_000_000, v => RecordsGiven = v),
                "--agents" => ReadInt(name, value, 1, 100_000, v => Agents = v),
                "--in-flight" => ReadInt(name, value, 1, 10_000, v => InFlight = v),
                "--assign" => SetAssign(value),
                "--redis" => SetRedis(value),
                "--messages" => ReadInt(name, value, 1, 1_000_000, v => MessagesGiven = v),
                "--kills" => ReadInt(name, value, 0, 100, v => Kills = v),
                "--baseline-seconds" => ReadDouble(name, value, 0.5, 3600, v => BaselineSeconds = v),
                "--seconds" => ReadDouble(name, value, 1, 3600, v => Seconds = v),
                "--step-seconds" => ReadDouble(name, value, 0.5, 600, v => StepSeconds = v),
                "--start-rate" => ReadInt(name, value, 1, 1_000_000, v => StartRate = v),
                "--rate" => ReadInt(name, value, 1, 1_000_000, v => Rate = v),
                "--timeout-seconds" => ReadDouble(name, value, 0.1, 3600, v => TimeoutSeconds = v),
                "--set" => ReadSetting(value),
                "--latencies" => SetLatenciesFile(value),
                "--misses" => Set(() => MissesFile = value),
                "--train" => File.Exists(value) || Directory.Exists(value) ? Set(() => TrainFile = value) : $"{name}: no such file or content folder '{value}'.",
                "--test" => ReadFile(name, value, v => TestFile = v),
                "--shots" => ReadInt(name, value, 1, 1_000_000, v => Shots = v),
                "--folds" => ReadInt(name, value, 2, 100, v => Folds = v),
                "--seed" => ReadInt(name, value, 0, int.MaxValue, v => Seed = v),
                _ => $"Unknown option '{name}'.",
            };
            if (error is not null)
            {
                return error;
            }
        }

        if (Scenario.Length == 0)
        {
            return "Name a scenario (webchat, dialogs or faq-eval).";
        }

        if (Scenario == "faq-eval" && (TrainFile is null || (TestFile is null) == (Folds is null)))
        {
            return "faq-eval needs --train <csv> and either --test <csv> or --folds <k>.";
        }

        return null;
    }

    private static string? Set(Action set)
    {
        set();
        return null;
    }

    private static string? ReadFile(string name, string value, Action<string> set)
    {
        if (!File.Exists(value))
        {
            return $"{name}: no such file '{value}'.";
        }

        set(value);
        return null;
    }

    private static string? ReadInt(string name, string value, int min, int max, Action<int> set)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            return $"{name} must be a whole number from {min} to {max}; got '{value}'.";
        }

        set(number);
        return null;
    }

    private static string? ReadDouble(string name, string value, double min, double max, Action<double> set)
    {
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            return $"{name} must be a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}; got '{value}'.";
        }

        set(number);
        return null;
    }

    private string? SetStore(string value)
    {
        if (value is not ("memory" or "redis" or "garnet"))
        {
            return $"--store is memory or redis (dialogs), redis or garnet (interest-feed); got '{value}'.";
        }

        Store = value;
        return null;
    }

    private string? SetAssign(string value)
    {
        if (value is not ("offer" or "claim"))
        {
            return $"--assign is offer or claim; got '{value}'.";
        }

        Assign = value;
        return null;
    }

    private string? SetRedis(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "--redis needs a connection string, e.g. 127.0.0.1:6379.";
        }

        Redis = value;
        return null;
    }

    private string? SetLatenciesFile(string value)
    {
        LatenciesFile = value;
        return null;
    }

    private string? ReadSetting(string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            return $"--set takes key=value (e.g. Pipeline:Workers=32); got '{value}'.";
        }

        Settings[value[..equals]] = value[(equals + 1)..];
        return null;
    }
}
