using SupportBot.Dialogs.Scripts;
using YamlDotNet.Core;
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

        var messages = Parse<BotMessages>(Path.Combine(folder, "messages.yaml"));
        var faq = new List<FaqEntry>();
        var faqFolder = Path.Combine(folder, "faq");
        if (Directory.Exists(faqFolder))
        {
            foreach (var file in Directory.EnumerateFiles(faqFolder, "*.yaml").Order(StringComparer.Ordinal))
            {
                var entries = Parse<List<FaqEntry>>(file);
                foreach (var entry in entries)
                {
                    if (string.IsNullOrWhiteSpace(entry.Id) || entry.Answer.Count == 0 || entry.Questions.Count == 0)
                    {
                        throw new ContentException($"{file}: every FAQ entry needs id, questions and answer (entry '{entry.Id}').");
                    }
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
