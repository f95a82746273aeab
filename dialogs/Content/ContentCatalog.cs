using SupportBot.Dialogs.Scripts;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SupportBot.Dialogs.Content;

/// <summary>The content (FAQ entries, the bot's lines, scripted dialogs) loaded from a folder of YAML files.</summary>
public sealed class ContentCatalog
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    public ContentCatalog(IReadOnlyList<FaqEntry> faq, BotMessages messages, IReadOnlyList<DialogScript>? dialogs = null)
    {
        Faq = faq;
        Messages = messages;
        Dialogs = dialogs ?? [];
    }

    public IReadOnlyList<FaqEntry> Faq { get; }

    public BotMessages Messages { get; }

    /// <summary>Scripted dialogs from <c>dialogs/*.yaml</c>.</summary>
    public IReadOnlyList<DialogScript> Dialogs { get; }

    /// <summary>Loads <c>messages.yaml</c>, <c>faq/*.yaml</c> and <c>dialogs/*.yaml</c>; a broken file stops with its name and line.</summary>
    public static ContentCatalog Load(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new ContentException($"Content folder '{Path.GetFullPath(folder)}' does not exist. Set Content:Path to the folder that holds messages.yaml and faq/.");
        }

        var messagesFile = Path.Combine(folder, "messages.yaml");
        var messages = Parse<BotMessages>(messagesFile);
        CheckMessages(messages, messagesFile);
        var faq = new List<FaqEntry>();
        var faqFolder = Path.Combine(folder, "faq");
        if (Directory.Exists(faqFolder))
        {
            foreach (var file in Directory.EnumerateFiles(faqFolder, "*.yaml").Order(StringComparer.Ordinal))
            {
                var entries = Parse<List<FaqEntry>>(file);
                for (var i = 0; i < entries.Count; i++)
                {
                    CheckFaqEntry(entries[i], i, file);
                }

                faq.AddRange(entries);
            }
        }

        var duplicate = faq.GroupBy(e => e.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ContentException($"FAQ id '{duplicate.Key}' is used more than once under {faqFolder}.");
        }

        var dialogs = new List<DialogScript>();
        var dialogFolder = Path.Combine(folder, "dialogs");
        if (Directory.Exists(dialogFolder))
        {
            foreach (var file in Directory.EnumerateFiles(dialogFolder, "*.yaml").Order(StringComparer.Ordinal))
            {
                try
                {
                    dialogs.Add(DialogScriptLoader.Load(file));
                }
                catch (DialogScriptException e)
                {
                    throw new ContentException(e.Message, e);
                }
            }
        }

        var twice = dialogs.GroupBy(d => d.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw new ContentException($"Dialog id '{twice.Key}' is used by {string.Join(" and ", twice.Select(d => d.File))}.");
        }

        return new ContentCatalog(faq, messages, dialogs);
    }

    /// <summary>
    /// A key left empty in YAML ("answer:" with nothing after it) comes back as null: refused here with the file, line and
    /// field, rather than failing later on every turn (or on the reload timer, which would take the host down).
    /// </summary>
    private static void CheckFaqEntry(FaqEntry? entry, int index, string file)
    {
        if (entry is null)
        {
            throw Empty(file, [index], $"FAQ entry {index + 1}", "is empty; give id, questions and answer.");
        }

        if (string.IsNullOrWhiteSpace(entry.Id) || entry.Answer is not { Count: > 0 } || entry.Questions is not { Count: > 0 })
        {
            var field = string.IsNullOrWhiteSpace(entry.Id) ? "id" : entry.Questions is not { Count: > 0 } ? "questions" : "answer";
            throw Empty(file, [index, field], $"FAQ entry '{entry.Id}', field '{field}'", "is missing or empty; every FAQ entry needs id, questions and answer.");
        }

        foreach (var (language, text) in entry.Answer)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                throw Empty(file, [index, "answer", language], $"FAQ entry '{entry.Id}', field 'answer.{language}'", "is empty.");
            }
        }

        foreach (var (language, questions) in entry.Questions)
        {
            if (questions is not { Count: > 0 } || questions.Any(string.IsNullOrWhiteSpace))
            {
                throw Empty(file, [index, "questions", language], $"FAQ entry '{entry.Id}', field 'questions.{language}'", "must be a list of questions, none of them empty.");
            }
        }
    }

    /// <summary>Every line of messages.yaml that is there has texts (a line left out falls back to nothing, which is allowed).</summary>
    private static void CheckMessages(BotMessages messages, string file)
    {
        foreach (var property in typeof(BotMessages).GetProperties())
        {
            var name = CamelCaseNamingConvention.Instance.Apply(property.Name);
            switch (property.GetValue(messages))
            {
                case Dictionary<string, string> lines:
                    if (lines.FirstOrDefault(l => l.Value is null) is { Key: { } language })
                    {
                        throw Empty(file, [name, language], $"field '{name}.{language}'", "is empty.");
                    }

                    break;
                case Dictionary<string, List<string>> phrases:
                    if (phrases.FirstOrDefault(p => p.Value is null || p.Value.Any(string.IsNullOrWhiteSpace)) is { Key: { } listLanguage })
                    {
                        throw Empty(file, [name, listLanguage], $"field '{name}.{listLanguage}'", "must be a list of phrases, none of them empty.");
                    }

                    break;
                case null when property.PropertyType != typeof(string):
                    throw Empty(file, [name], $"field '{name}'", "is empty; give the text per language { en: …, ru: …, de: … } or leave the field out.");
            }
        }
    }

    /// <summary>The problem with the line of the deepest part of <paramref name="path"/> (list indexes and keys) found in the file.</summary>
    private static ContentException Empty(string file, object[] path, string what, string problem)
    {
        long line = 1;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            YamlNode? node = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
            foreach (var part in path)
            {
                switch (part, node)
                {
                    case (int index, YamlSequenceNode list) when index < list.Children.Count:
                        node = list.Children[index];
                        line = node.Start.Line;
                        break;
                    case (string key, YamlMappingNode map) when map.Children.FirstOrDefault(c => (c.Key as YamlScalarNode)?.Value == key) is { Key: { } found, Value: var value }:
                        line = found.Start.Line;
                        node = value;
                        break;
                    default:
                        node = null;
                        break;
                }
            }
        }
        catch (Exception e) when (e is YamlException or IOException)
        {
            // the line is a help, not a must
        }

        return new ContentException($"{file}, line {line}: {what} {problem}");
    }

    private static T Parse<T>(string file)
    {
        if (!File.Exists(file))
        {
            throw new ContentException($"Content file '{file}' is missing.");
        }

        try
        {
            return Yaml.Deserialize<T>(File.ReadAllText(file)) ?? throw new ContentException($"{file} is empty.");
        }
        catch (YamlException e)
        {
            throw new ContentException($"{file}, line {e.Start.Line}: {e.InnerException?.Message ?? e.Message}", e);
        }
    }
}

public sealed class ContentException(string message, Exception? inner = null) : Exception(message, inner);
