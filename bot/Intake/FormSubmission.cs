using System.Security.Cryptography;
using System.Text;
using SupportBot.Customers;
using SupportBot.Interests;

namespace SupportBot.Intake;

/// <summary>A web-form submission whose fields passed the checks (e-mail and phone in their normalised form).</summary>
public sealed record FormSubmission
{
    /// <summary>The fields a form may send (others are ignored, apart from the honeypot).</summary>
    public static readonly string[] FieldNames = ["action", "page", "name", "email", "phone", "text", "product"];

    /// <summary>What a form can be: a contact form, a product comment, a review, a call-back request.</summary>
    public static readonly string[] Actions = ["form", "comment", "review", "request"];

    public const int MaxPageLength = 2048;
    public const int MaxNameLength = 200;
    public const int MaxTextLength = 5000;

    public required string Action { get; init; }

    /// <summary>The page the form was on (absolute http or https URL).</summary>
    public required string Page { get; init; }

    public string? Name { get; init; }

    public string? Email { get; init; }

    public string? Phone { get; init; }

    public string? Text { get; init; }

    public string? Product { get; init; }

    /// <summary>
    /// Checks the raw fields (a field that could not be read as text is already in <paramref name="errors"/>) and adds
    /// every further problem under the field's name. Returns the submission when there is none.
    /// </summary>
    public static FormSubmission? Validate(IReadOnlyDictionary<string, string?> fields, IntakeSiteOptions site, Dictionary<string, string[]> errors)
    {
        string? Field(string name) => fields.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        void Add(string field, string message) => errors.TryAdd(field, [message]);

        var action = Field("action")?.ToLowerInvariant();
        if (action is null)
        {
            Add("action", $"action is required: one of {string.Join(", ", Actions)}.");
        }
        else if (!Actions.Contains(action))
        {
            Add("action", $"action is one of {string.Join(", ", Actions)}.");
        }

        var page = Field("page");
        if (page is null)
        {
            Add("page", "page is required: the address of the page the form is on.");
        }
        else if (page.Length > MaxPageLength || !Uri.TryCreate(page, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            Add("page", $"page is an absolute http(s) address of at most {MaxPageLength} characters.");
        }
        else if (site.Origins.Length > 0 && !site.AllowsOrigin(uri.GetLeftPart(UriPartial.Authority)))
        {
            Add("page", $"page is not on this site ({string.Join(", ", site.Origins)}).");
        }

        var name = Field("name");
        CheckLine("name", name, MaxNameLength);
        var product = Field("product");
        CheckLine("product", product, InterestsApi.MaxProductLength);

        var text = Field("text");
        if (text is not null && text.Length > MaxTextLength)
        {
            Add("text", $"text may be at most {MaxTextLength} characters.");
        }
        else if (text is not null && text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            Add("text", "text may not contain control characters other than line breaks and tabs.");
        }

        var email = Field("email");
        var normalizedEmail = Contacts.NormalizeEmail(email);
        if (email is not null && normalizedEmail is null)
        {
            Add("email", "email is not an e-mail address.");
        }

        var phone = Field("phone");
        var normalizedPhone = Contacts.NormalizePhone(phone);
        if (phone is not null && normalizedPhone is null)
        {
            Add("phone", "phone is not a phone number (5–15 digits, optionally with +, spaces, dashes, dots or brackets).");
        }

        switch (action)
        {
            case "comment" or "review" when text is null:
                Add("text", $"text is required for a {action}.");
                break;
            case "request" when email is null && phone is null:
                Add("phone", "a call-back request needs a phone (or an email) to answer on.");
                break;
            case "form" when text is null && email is null && phone is null:
                Add("text", "a form needs a text, an email or a phone.");
                break;
        }

        return errors.Count > 0 ? null : new FormSubmission
        {
            Action = action!,
            Page = page!,
            Name = name,
            Email = normalizedEmail,
            Phone = normalizedPhone,
            Text = text,
            Product = product,
        };

        void CheckLine(string field, string? value, int max)
        {
            if (value is not null && (value.Length > max || value.Any(char.IsControl)))
            {
                Add(field, $"{field} is one line of at most {max} characters.");
            }
        }
    }

    /// <summary>What makes two submissions "the same content" (hex SHA-256 of the site and every field).</summary>
    public string ContentHash(string site)
    {
        var joined = string.Join('\u001f', site, Action, Page, Name, Email, Phone, Text, Product);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined)));
    }
}
