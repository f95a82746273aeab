using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace SupportBot.Dialogs.Content;

/// <summary>The shipped content (FAQ entries and the bot's lines) loaded from a folder of YAML files.</summary>
public sealed class ContentCatalog
{
    private static readonly IDeserializer Yaml = new DeserializerBuilder()
        .WithNamingConvention(CamelCaseNamingConvention.Instance)
        .Build();

    public ContentCatalog(IReadOnlyList<FaqEntry> faq, BotMessages messages)
    {
        Faq = faq;
        Messages = messages;
    }

    public IReadOnlyList<FaqEntry> Faq { get; }

    public BotMessages Messages { get; }

    /// <summary>Loads <c>messages.yaml</c> and <c>faq/*.yaml</c>; a broken file stops with its name and line.</summary>
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

        return new ContentCatalog(faq, messages);
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
