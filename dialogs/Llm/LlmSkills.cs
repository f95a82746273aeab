using System.ComponentModel;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.SemanticKernel;
using SupportBot.Contracts;

namespace SupportBot.Dialogs.Llm;

/// <summary>
/// The model's tools for one turn, as kernel functions. Every argument is validated here: the
/// model's words are treated like a customer's. Results go back to the model, not to the customer.
/// </summary>
internal sealed partial class LlmSkills(LlmTurn turn, SkillsOptions options, HttpClient http, Func<string, string>? businessHours)
{
    public const int MaxToolResultChars = 2000;

    private const string AlreadyOpened = "A request is already opened for this message; do not open another.";

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9\-]{2,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex OrderNumber();

    [GeneratedRegex(@"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailAddress();

    [GeneratedRegex(@"^\+?[0-9\s\-().\/]{7,24}$", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneNumber();

    public IEnumerable<KernelFunction> Functions()
    {
        yield return KernelFunctionFactory.CreateFromMethod(FaqSearch, "faq_search", "Searches the shop's FAQ and knowledge documents; returns the closest entries with their ids.");
        yield return KernelFunctionFactory.CreateFromMethod(HandoffToHuman, "handoff_to_human", "Passes the conversation to a human agent. Use when the customer asks for a person or you cannot help.");
        yield return KernelFunctionFactory.CreateFromMethod(OpenRequest, "open_request", "Opens a request (a callback, a complaint, an order question) for the team with the details the customer gave.");
        if (!string.IsNullOrWhiteSpace(options.OrderStatus.Url))
        {
            yield return KernelFunctionFactory.CreateFromMethod(OrderStatusAsync, "order_status", "Looks up the status of an order by its order number.");
        }

        if (businessHours is not null)
        {
            yield return KernelFunctionFactory.CreateFromMethod(BusinessHours, "business_hours", "The support team's opening hours.");
        }
    }

    private string FaqSearch([Description("What to look for, in the customer's words")] string query)
    {
        query = Short(query, 300);
        var search = turn.Question.Search ?? (_ => []);
        if (query.Length == 0)
        {
            return "No results.";
        }

        var entries = search(turn.Unmask(query));
        var documents = turn.Knowledge().Search(turn.Unmask(query), 2);
        if (entries.Count == 0 && documents.Count == 0)
        {
            return "No results.";
        }

        var builder = new StringBuilder();
        foreach (var chunk in documents)
        {
            lock (turn.SourceIds)
            {
                turn.SourceIds.Add(LlmAssistant.DocumentPrefix + chunk.Id);
            }

            LlmAssistant.AppendChunk(builder, chunk);
        }

        foreach (var entry in entries.Take(3))
        {
            lock (turn.SourceIds)
            {
                turn.SourceIds.Add(entry.Id);
            }

            LlmAssistant.AppendEntry(builder, entry, turn.Question.Language);
        }

        return Short(builder.ToString(), MaxToolResultChars);
    }

    private async Task<string> OrderStatusAsync([Description("The order number, e.g. A-10023")] string order_number, CancellationToken cancellationToken)
    {
        var number = turn.Unmask(order_number ?? "").Trim().TrimStart('#');
        if (!OrderNumber().IsMatch(number))
        {
            return "Invalid order number: ask the customer for the order number (letters, digits and dashes).";
        }

        var template = options.OrderStatus.Url!;
        var escaped = Uri.EscapeDataString(number);
        var url = template.Contains("{order}", StringComparison.Ordinal)
            ? template.Replace("{order}", escaped, StringComparison.Ordinal)
            : template.TrimEnd('/') + "/" + escaped;
        using var response = await http.GetAsync(url, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return $"No order {number} was found.";
        }

        if (!response.IsSuccessStatusCode)
        {
            return "The order system is unavailable right now.";
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return Short(turn.Mask(body), MaxToolResultChars);
    }

    private string BusinessHours() => businessHours!(turn.Question.Language);

    private string HandoffToHuman([Description("Why a person is needed, in a few words")] string reason)
    {
        turn.HandoffReason = Short(reason, 200);
        return "A person will take over the conversation.";
    }

    private string OpenRequest(
        [Description("What the request is about, in a few words")] string topic,
        [Description("The customer's name, if given")] string? name = null,
        [Description("The customer's phone, if given")] string? phone = null,
        [Description("The customer's e-mail, if given")] string? email = null,
        [Description("Any other details the customer gave")] string? details = null)
    {
        // The model's arguments are checked like a form's: a wrong contact is asked for again, not stored.
        if (turn.Requests.Count > 0)
        {
            return AlreadyOpened;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        Put(fields, "name", name, 100);
        Put(fields, "phone", phone, 40);
        Put(fields, "email", email, 200);
        Put(fields, "details", details, 1000);
        if (fields.TryGetValue("email", out var address) && !EmailAddress().IsMatch(address))
        {
            return "The e-mail address is not valid: ask the customer for it again. The request is not opened.";
        }

        if (fields.TryGetValue("phone", out var number) && (!PhoneNumber().IsMatch(number) || number.Count(char.IsAsciiDigit) is < 7 or > 15))
        {
            return "The phone number is not valid: ask the customer for it again. The request is not opened.";
        }

        var subject = Short(topic, 100);
        return turn.TryAddRequest(new LeadRequest(subject.Length == 0 ? "request" : subject, fields))
            ? "The request is opened; the team will contact the customer."
            : AlreadyOpened;
    }

    private void Put(Dictionary<string, string> fields, string key, string? value, int max)
    {
        var text = Short(turn.Unmask(value ?? ""), max);
        if (text.Length > 0)
        {
            fields[key] = text;
        }
    }

    /// <summary>One line, trimmed, at most <paramref name="max"/> characters.</summary>
    private static string Short(string? value, int max)
    {
        var text = (value ?? "").ReplaceLineEndings(" ").Trim();
        return text.Length <= max ? text : text[..max];
    }
}
