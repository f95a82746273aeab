using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SupportBot.Dialogs.Scripts;

/// <summary>
/// Reads a scripted dialog from YAML and checks it thoroughly before it can reach a customer:
/// unknown fields, missing texts, undefined variables and bad prompt types are reported with the
/// file, the line and the field.
/// </summary>
/// <remarks>
/// Steps: <c>say</c>, <c>ask</c> (with <c>prompt</c>, <c>text</c>, optional <c>retry</c>,
/// <c>choices</c>, <c>maxAttempts</c>), <c>branch</c> (<c>if</c>, <c>then</c>, <c>else</c>),
/// <c>set</c>, <c>skill</c> (<c>args</c>, <c>result</c>), <c>request</c>, <c>handoff</c>, <c>end</c>.
/// </remarks>
public static partial class DialogScriptLoader
{
    private static readonly string[] StepKinds = ["say", "ask", "branch", "set", "skill", "request", "handoff", "end"];

    public static DialogScript Load(string file) => Parse(File.ReadAllText(file), file);

    public static DialogScript Parse(string yaml, string file)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new DialogScriptException(file, (int)e.Start.Line, "(syntax)", e.InnerException?.Message ?? e.Message);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new DialogScriptException(file, 1, "(document)", "a dialog file is a mapping with 'id' and 'steps'.");
        }

        var reader = new Reader(file);
        reader.OnlyKeys(root, "id", "triggers", "steps");
        var id = reader.Scalar(root, "id");
        if (!IdPattern().IsMatch(id))
        {
            throw reader.Error(root, "id", "use lower-case letters, digits and dashes, e.g. 'order-intake'.");
        }

        var triggers = root.Children.TryGetValue(new YamlScalarNode("triggers"), out var triggerNode)
            ? reader.LanguageLists(triggerNode, "triggers")
            : new Dictionary<string, IReadOnlyList<string>>();
        var steps = reader.Steps(reader.Required(root, "steps"), "steps");
        if (steps.Count == 0)
        {
            throw reader.Error(root, "steps", "a dialog needs at least one step.");
        }

        reader.CheckVariables();
        return new DialogScript(id, file, triggers, steps);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]{0,63}$")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(==|!=)\s*(.+?)\s*$")]
    private static partial Regex ConditionPattern();

    private sealed class Reader(string file)
    {
        /// <summary>Variables an ask, set or skill step defines, and where each reference to one was made.</summary>
        private readonly HashSet<string> _defined = new(StringComparer.Ordinal);
        private readonly List<(string Variable, int Line, string Field)> _used = [];

        public DialogScriptException Error(YamlNode node, string field, string problem) =>
            new(file, (int)node.Start.Line, field, problem);

        public void OnlyKeys(YamlMappingNode map, params string[] allowed)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value ?? "";
                if (!allowed.Contains(name))
                {
                    throw Error(key, name, $"unknown field; expected one of: {string.Join(", ", allowed)}.");
                }
            }
        }

        public YamlNode Required(YamlMappingNode map, string field) =>
            map.Children.TryGetValue(new YamlScalarNode(field), out var node) ? node : throw Error(map, field, "is missing.");

        public string Scalar(YamlMappingNode map, string field) => ScalarOf(Required(map, field), field);

        public string ScalarOf(YamlNode node, string field) =>
            node is YamlScalarNode { Value: { Length: > 0 } value } ? value : throw Error(node, field, "must be a non-empty text.");

        public LocalizedText Text(YamlNode node, string field)
        {
            if (node is YamlScalarNode)
            {
                throw Error(node, field, "give the text per language: { en: …, ru: …, de: … }.");
            }

            if (node is not YamlMappingNode map || map.Children.Count == 0)
            {
                throw Error(node, field, "must be a mapping of language to text.");
            }

            var texts = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in map.Children)
            {
                var language = ScalarOf(key, field);
                if (!LanguageDetector.Supported.Contains(language))
                {
                    throw Error(key, $"{field}.{language}", $"unknown language; use {string.Join(", ", LanguageDetector.Supported)}.");
                }

                var text = ScalarOf(value, $"{field}.{language}");
                foreach (Match placeholder in Placeholder().Matches(text))
                {
                    _used.Add((placeholder.Groups[1].Value, (int)value.Start.Line, $"{field}.{language}"));
                }

                texts[language] = text;
            }

            if (!texts.ContainsKey("en"))
            {
                throw Error(node, field, "needs at least the English text (en); ru and de fall back to it.");
            }

            return new LocalizedText(texts);
        }

        public Dictionary<string, IReadOnlyList<string>> LanguageLists(YamlNode node, string field)
        {
            if (node is not YamlMappingNode map)
            {
                throw Error(node, field, "must be a mapping of language to a list of phrases.");
            }

            var lists = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            foreach (var (key, value) in map.Children)
            {
                var language = ScalarOf(key, field);
                if (!LanguageDetector.Supported.Contains(language))
                {
                    throw Error(key, $"{field}.{language}", $"unknown language; use {string.Join(", ", LanguageDetector.Supported)}.");
                }

                lists[language] = value is YamlSequenceNode items
                    ? [.. items.Children.Select(item => ScalarOf(item, $"{field}.{language}"))]
                    : throw Error(value, $"{field}.{language}", "must be a list of phrases.");
            }

            return lists;
        }

        public List<ScriptStep> Steps(YamlNode node, string field)
        {
            if (node is not YamlSequenceNode sequence)
            {
                throw Error(node, field, "must be a list of steps.");
            }

            return [.. sequence.Children.Select((step, i) => Step(step, $"{field}[{i}]"))];
        }

        private ScriptStep Step(YamlNode node, string field)
        {
            var line = (int)node.Start.Line;
            if (node is YamlScalarNode { Value: "end" })
            {
                return new EndStep(line);
            }

            if (node is not YamlMappingNode map)
            {
                throw Error(node, field, $"a step is one of: {string.Join(", ", StepKinds)}.");
            }

            var kinds = StepKinds.Where(kind => map.Children.ContainsKey(new YamlScalarNode(kind))).ToList();
            if (kinds.Count != 1)
            {
                throw Error(node, field, kinds.Count == 0
                    ? $"a step is one of: {string.Join(", ", StepKinds)}."
                    : $"one step does one thing; found {string.Join(" and ", kinds)}.");
            }

            var kind = kinds[0];
            var value = map.Children[new YamlScalarNode(kind)];
            switch (kind)
            {
                case "say":
                    OnlyKeys(map, "say");
                    return new SayStep(line, Text(value, $"{field}.say"));
                case "ask":
                    return Ask(map, line, field);
                case "branch":
                    return Branch(map, value, line, field);
                case "set":
                    OnlyKeys(map, "set");
                    if (value is not YamlMappingNode { Children.Count: 1 } assignment)
                    {
                        throw Error(value, $"{field}.set", "write one assignment: { variable: value }.");
                    }

                    var (name, assigned) = assignment.Children.First();
                    return new SetStep(line, Define(name, $"{field}.set"), ScalarOf(assigned, $"{field}.set"));
                case "skill":
                    OnlyKeys(map, "skill", "args", "result");
                    var args = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (map.Children.TryGetValue(new YamlScalarNode("args"), out var argsNode))
                    {
                        if (argsNode is not YamlMappingNode argsMap)
                        {
                            throw Error(argsNode, $"{field}.args", "must be a mapping of argument to value.");
                        }

                        foreach (var (argName, argValue) in argsMap.Children)
                        {
                            args[ScalarOf(argName, $"{field}.args")] = ScalarOf(argValue, $"{field}.args");
                        }
                    }

                    var result = map.Children.TryGetValue(new YamlScalarNode("result"), out var resultNode) ? Define(resultNode, $"{field}.result") : null;
                    return new SkillStep(line, ScalarOf(value, $"{field}.skill"), args, result);
                case "request":
                    OnlyKeys(map, "request");
                    if (value is not YamlMappingNode request)
                    {
                        throw Error(value, $"{field}.request", "write { topic: …, fields: [ … ] }.");
                    }

                    OnlyKeys(request, "topic", "fields");
                    var fields = Required(request, "fields") is YamlSequenceNode fieldList
                        ? fieldList.Children.Select(f => Use(f, $"{field}.request.fields")).ToList()
                        : throw Error(request, $"{field}.request.fields", "must be a list of variable names.");
                    var topic = Scalar(request, "topic");
                    foreach (Match placeholder in Placeholder().Matches(topic))
                    {
                        _used.Add((placeholder.Groups[1].Value, line, $"{field}.request.topic"));
                    }

                    return new RequestStep(line, topic, fields);
                case "handoff":
                    OnlyKeys(map, "handoff");
                    return new HandoffStep(line, ScalarOf(value, $"{field}.handoff"));
                default:
                    OnlyKeys(map, "end");
                    return new EndStep(line);
            }
        }

        private AskStep Ask(YamlMappingNode map, int line, string field)
        {
            OnlyKeys(map, "ask", "prompt", "text", "retry", "choices", "maxAttempts");
            var variable = Define(map.Children[new YamlScalarNode("ask")], $"{field}.ask");
            var promptNode = Required(map, "prompt");
            var promptName = ScalarOf(promptNode, $"{field}.prompt");
            if (!Enum.TryParse<ScriptPromptKind>(promptName, ignoreCase: true, out var prompt) || int.TryParse(promptName, out _))
            {
                throw Error(promptNode, $"{field}.prompt", $"unknown prompt '{promptName}'; use {string.Join(", ", Enum.GetNames<ScriptPromptKind>().Select(n => n.ToLowerInvariant()))}.");
            }

            if (prompt == ScriptPromptKind.Contact)
            {
                _defined.Add(ScriptedDialog.KindVariable(variable));
            }

            var text = Text(Required(map, "text"), $"{field}.text");
            var retry = map.Children.TryGetValue(new YamlScalarNode("retry"), out var retryNode) ? Text(retryNode, $"{field}.retry") : null;
            int? maxAttempts = null;
            if (map.Children.TryGetValue(new YamlScalarNode("maxAttempts"), out var attemptsNode))
            {
                maxAttempts = int.TryParse(ScalarOf(attemptsNode, $"{field}.maxAttempts"), out var n) && n is >= 1 and <= 10
                    ? n
                    : throw Error(attemptsNode, $"{field}.maxAttempts", "must be a whole number from 1 to 10.");
            }

            var choices = new List<ScriptChoice>();
            if (map.Children.TryGetValue(new YamlScalarNode("choices"), out var choicesNode))
            {
                if (prompt != ScriptPromptKind.Choice)
                {
                    throw Error(choicesNode, $"{field}.choices", "only a 'choice' prompt has choices.");
                }

                if (choicesNode is not YamlSequenceNode { Children.Count: > 0 } choiceList)
                {
                    throw Error(choicesNode, $"{field}.choices", "must be a list of { value, title, synonyms }.");
                }

                foreach (var (choiceNode, i) in choiceList.Children.Select((c, i) => (c, i)))
                {
                    var choiceField = $"{field}.choices[{i}]";
                    if (choiceNode is not YamlMappingNode choice)
                    {
                        throw Error(choiceNode, choiceField, "must be { value, title, synonyms }.");
                    }

                    OnlyKeys(choice, "value", "title", "synonyms");
                    var synonyms = choice.Children.TryGetValue(new YamlScalarNode("synonyms"), out var synonymsNode)
                        ? LanguageLists(synonymsNode, $"{choiceField}.synonyms")
                        : new Dictionary<string, IReadOnlyList<string>>();
                    choices.Add(new ScriptChoice(Scalar(choice, "value"), Text(Required(choice, "title"), $"{choiceField}.title"), synonyms));
                }
            }
            else if (prompt == ScriptPromptKind.Choice)
            {
                throw Error(map, $"{field}.choices", "a 'choice' prompt needs choices.");
            }

            return new AskStep(line, variable, prompt, text, retry, choices, maxAttempts);
        }

        private BranchStep Branch(YamlMappingNode map, YamlNode value, int line, string field)
        {
            OnlyKeys(map, "branch");
            if (value is not YamlMappingNode branch)
            {
                throw Error(value, $"{field}.branch", "write { if: \"variable == value\", then: [ … ], else: [ … ] }.");
            }

            OnlyKeys(branch, "if", "then", "else");
            var conditionNode = Required(branch, "if");
            var match = ConditionPattern().Match(ScalarOf(conditionNode, $"{field}.branch.if"));
            if (!match.Success)
            {
                throw Error(conditionNode, $"{field}.branch.if", "write 'variable == value' or 'variable != value'.");
            }

            _used.Add((match.Groups[1].Value, (int)conditionNode.Start.Line, $"{field}.branch.if"));
            var condition = new ScriptCondition(match.Groups[1].Value, match.Groups[2].Value == "==", match.Groups[3].Value.Trim('"', '\''));
            var then = Steps(Required(branch, "then"), $"{field}.branch.then");
            var otherwise = branch.Children.TryGetValue(new YamlScalarNode("else"), out var elseNode) ? Steps(elseNode, $"{field}.branch.else") : [];
            return new BranchStep(line, condition, then, otherwise);
        }

        private string Define(YamlNode node, string field)
        {
            var name = ScalarOf(node, field);
            if (!VariablePattern().IsMatch(name))
            {
                throw Error(node, field, "a variable name is letters, digits and underscores, starting with a letter.");
            }

            _defined.Add(name);
            return name;
        }

        private string Use(YamlNode node, string field)
        {
            var name = ScalarOf(node, field);
            _used.Add((name, (int)node.Start.Line, field));
            return name;
        }

        /// <summary>Every variable a text, condition or request uses is collected by some step of the dialog.</summary>
        public void CheckVariables()
        {
            foreach (var (variable, line, field) in _used)
            {
                if (!_defined.Contains(variable))
                {
                    throw new DialogScriptException(file, line, field, $"'{variable}' is not collected by any ask, set or skill step of this dialog.");
                }
            }
        }
    }
}
