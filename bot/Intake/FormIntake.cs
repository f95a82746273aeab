using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using SupportBot.Api;
using SupportBot.Dialogs;
using SupportBot.Dialogs.Demo;
using SupportBot.Dialogs.Enrichment;
using SupportBot.Interests;

namespace SupportBot.Intake;

/// <summary>
/// <c>POST /api/intake/form</c>: a website's form (contact form, product comment, review, call-back request)
/// becomes an open interest record of source <c>website</c>, stored before the answer. It is appended to the
/// interest log directly rather than through the conversation pipeline: the bot has nothing to say to a form and
/// no channel to say it on, and a submission is one self-contained event, deduplicated here by idempotency key or
/// content. The customer linker, reports, distribution and CRM export see it like any record.
/// </summary>
internal sealed class FormIntake(
    IOptions<IntakeOptions> options,
    FormDeduplicator deduplicator,
    ConfirmationCap confirmationCap,
    InterestLog interests,
    IFormConfirmationSender confirmations,
    TimeProvider time,
    ILogger<FormIntake> logger)
{
    public const string SourceType = "website";
    public const string IdempotencyHeader = "Idempotency-Key";
    private const int MaxIdempotencyKeyLength = 255;

    public async Task<IResult> SubmitAsync(HttpContext context)
    {
        var settings = options.Value;
        var request = context.Request;
        if (settings.SiteForKey(request.Headers[ApiKeyAuthenticationHandler.HeaderName].ToString()) is not { } site)
        {
            return Problems.Unauthorized($"Send your site's key (Intake:Sites) in the {ApiKeyAuthenticationHandler.HeaderName} header.");
        }

        if (request.Headers.Origin.ToString() is { Length: > 0 } origin && site.Origins.Length > 0 && !site.AllowsOrigin(origin))
        {
            return Problems.Forbidden($"This key is for another site than {origin}.");
        }

        if (request.ContentLength > settings.MaxBodyBytes)
        {
            return Problems.TooLarge(settings.MaxBodyBytes);
        }

        var json = request.HasJsonContentType();
        if (!json && !IsUrlEncodedForm(request))
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the form as application/json or application/x-www-form-urlencoded.");
        }

        var (body, problem) = await JsonBody.ReadBytesAsync(request, settings.MaxBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        var (fields, errors, honeypot, unreadable) = ReadFields(body!, json, settings.HoneypotField);
        if (unreadable is not null)
        {
            return unreadable;
        }

        // A bot filled the hidden field: answer exactly as for a real submission, record nothing.
        if (honeypot)
        {
            IntakeLog.HoneypotFilled(logger, site.Name);
            return Accepted(InterestLog.RecordId("in", SourceType, Guid.NewGuid().ToString("N")));
        }

        var idempotencyKey = request.Headers[IdempotencyHeader].ToString() is { Length: > 0 } key ? key : null;
        if (idempotencyKey is not null && (idempotencyKey.Length > MaxIdempotencyKeyLength || idempotencyKey.Any(c => c is < ' ' or > '~')))
        {
            errors[IdempotencyHeader] = [$"The {IdempotencyHeader} header is 1–{MaxIdempotencyKeyLength} printable ASCII characters."];
        }

        var submission = FormSubmission.Validate(fields, site, errors);
        if (submission is null)
        {
            return TypedResults.ValidationProblem(
                errors, title: "Invalid form", detail: string.Join(" ", errors.SelectMany(e => e.Value)), type: null);
        }

        var record = RecordOf(submission, site, request);
        var earlier = await deduplicator.EarlierAsync(site.Name, idempotencyKey, submission.ContentHash(site.Name), record);
        if (earlier is not null)
        {
            // A repeat. If the first one stopped between being remembered and being stored, store it now.
            if (await interests.GetAsync(earlier.Id) is null)
            {
                await interests.AppendAsync(earlier);
            }

            IntakeLog.Duplicate(logger, site.Name, earlier.Id);
            return Accepted(earlier.Id);
        }

        await interests.AppendAsync(record);
        IntakeLog.Recorded(logger, site.Name, record.Id, record.Action);
        if (site.ConfirmationEmail && submission.Email is { } email)
        {
            await ConfirmAsync(new FormConfirmation(
                site.Name, record.Id, record.Action, email, submission.Name, record.Language, submission.Page, submission.Product, submission.Text), context.RequestAborted);
        }

        return Accepted(record.Id);
    }

    private static IResult Accepted(string recordId) => TypedResults.Accepted((string?)null, new FormAccepted(recordId));

    private static bool IsUrlEncodedForm(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The form's own fields from a JSON object or a urlencoded body (a field that is not one string value is an error
    /// naming it; other fields are ignored), whether the honeypot is filled, or the problem when the body is unreadable.
    /// </summary>
    private static (Dictionary<string, string?> Fields, Dictionary<string, string[]> Errors, bool Honeypot, IResult? Problem) ReadFields(
        byte[] body, bool json, string honeypotField)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (json)
        {
            var (parsed, malformed) = JsonBody.Parse(body);
            if (malformed is not null)
            {
                return (fields, errors, false, malformed);
            }

            foreach (var name in FormSubmission.FieldNames)
            {
                switch (parsed![name])
                {
                    case null:
                        break;
                    case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                        fields[name] = value.GetValue<string>();
                        break;
                    default:
                        errors[name] = [$"{name} must be a string."];
                        break;
                }
            }

            var trap = parsed![honeypotField];
            return (fields, errors, trap is not null && !(trap is JsonValue v && v.TryGetValue<string>(out var text) && string.IsNullOrWhiteSpace(text)), null);
        }

        Dictionary<string, StringValues> form;
        try
        {
            form = new FormReader(Encoding.UTF8.GetString(body)).ReadForm();
        }
        catch (InvalidDataException e)
        {
            return (fields, errors, false, Problems.BadRequest("The form body could not be read: " + e.Message));
        }

        foreach (var name in FormSubmission.FieldNames.Where(form.ContainsKey))
        {
            if (form[name].Count > 1)
            {
                errors[name] = [$"{name} is given more than once."];
            }
            else
            {
                fields[name] = form[name].ToString();
            }
        }

        return (fields, errors, form.TryGetValue(honeypotField, out var filled) && !string.IsNullOrWhiteSpace(filled.ToString()), null);
    }

    /// <summary>
    /// The lead card: the author is known by e-mail or phone (which also links them to a customer), else a visitor
    /// of this one submission; a person's forms on one site share a conversation id (a hash, so no address shows in it).
    /// </summary>
    private InterestRecord RecordOf(FormSubmission submission, IntakeSiteOptions site, HttpRequest request)
    {
        var submissionId = Guid.NewGuid().ToString("N");
        var authorId = submission.Email ?? submission.Phone ?? "visitor:" + submissionId;
        var conversationId = $"{SourceType}:{site.Name}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(authorId)).AsSpan(0, 8))}";
        var eventId = "form:" + submissionId;
        var fields = new Dictionary<string, string>(StringComparer.Ordinal) { ["site"] = site.Name };
        AddIf(fields, "name", submission.Name);
        AddIf(fields, "email", submission.Email);
        AddIf(fields, "phone", submission.Phone);
        AddIf(fields, ShopBot.SentimentField, submission.Text is null ? null : SentimentLexicon.Classify(submission.Text));
        return new InterestRecord
        {
            Id = InterestLog.RecordId("in", conversationId, eventId),
            Date = time.GetUtcNow(),
            SourceType = SourceType,
            SourceLink = submission.Page,
            Author = new InterestAuthor(authorId, submission.Name, null, null),
            Action = submission.Action,
            Direction = "in",
            Text = submission.Text,
            Product = submission.Product,
            ConversationId = conversationId,
            ChannelAccount = site.Name,
            Language = submission.Text is { } text ? LanguageDetector.FromText(text) : LanguageDetector.FromLocale(FirstLanguage(request)),
            Processed = false,
            // No chat to answer in: write back, call back, or open the page.
            ReplyAction = submission.Email is { } email ? "mailto:" + email : submission.Phone is { } phone ? "tel:" + phone : submission.Page,
            Fields = fields,
            EventId = eventId,
        };
    }

    private static void AddIf(Dictionary<string, string> fields, string name, string? value)
    {
        if (value is not null)
        {
            fields[name] = value;
        }
    }

    private static string? FirstLanguage(HttpRequest request) =>
        request.Headers.AcceptLanguage.ToString().Split(',', 2)[0].Split(';', 2)[0].Trim() is { Length: > 0 } tag ? tag : null;

    private async Task ConfirmAsync(FormConfirmation confirmation, CancellationToken cancellationToken)
    {
        try
        {
            if (!await confirmationCap.TryTakeAsync(confirmation.Email, confirmation.RecordId))
            {
                IntakeLog.ConfirmationCapped(logger, confirmation.Site, confirmation.RecordId);
                return;
            }

            await confirmations.SendAsync(confirmation, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            IntakeLog.ConfirmationFailed(logger, confirmation.Site, confirmation.RecordId, e);
        }
    }
}

/// <summary>The answer to every accepted submission (also a repeat, and a dropped honeypot one).</summary>
public sealed record FormAccepted(string Id);
