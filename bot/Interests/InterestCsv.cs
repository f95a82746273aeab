using System.Globalization;
using System.Text;
using CsvHelper;
using CsvHelper.Configuration;

namespace SupportBot.Interests;

/// <summary>
/// The feed as CSV, written as it is read (nothing held in memory). Cells that a spreadsheet would
/// run as a formula (starting with = + - @, tab or CR) are escaped with a leading quote.
/// </summary>
public static class InterestCsv
{
    public const int MaxRows = 100_000;

    private static readonly string[] Header =
    [
        "id", "date", "source", "source_link", "action", "direction", "author_id", "author_name", "author_profile",
        "text", "product", "responsible", "processed", "processed_at", "processed_by", "processed_note",
        "reply_message_id", "reply_link", "conversation_id", "intent", "sentiment", "department", "tags",
    ];

    private static readonly CsvConfiguration Configuration = new(CultureInfo.InvariantCulture)
    {
        InjectionOptions = InjectionOptions.Escape,
        NewLine = "\r\n",
    };

    public static async Task WriteAsync(Stream output, IAsyncEnumerable<InterestRecord> records, CancellationToken cancellationToken)
    {
        await using var text = new StreamWriter(output, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 16 * 1024, leaveOpen: true);
        await using var csv = new CsvWriter(text, Configuration);
        foreach (var name in Header)
        {
            csv.WriteField(name);
        }

        await csv.NextRecordAsync();
        var rows = 0;
        await foreach (var r in records.WithCancellation(cancellationToken))
        {
            csv.WriteField(r.Id);
            csv.WriteField(r.Date.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            csv.WriteField(r.SourceType);
            csv.WriteField(r.SourceLink);
            csv.WriteField(r.Action);
            csv.WriteField(r.Direction);
            csv.WriteField(r.Author.Id);
            csv.WriteField(r.Author.Name);
            csv.WriteField(r.Author.ProfileUrl);
            csv.WriteField(r.Text);
            csv.WriteField(r.Product);
            csv.WriteField(r.Responsible);
            csv.WriteField(r.Processed ? "yes" : "no");
            csv.WriteField(r.ProcessedAt?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
            csv.WriteField(r.ProcessedBy);
            csv.WriteField(r.ProcessedNote);
            csv.WriteField(r.ReplyMessageId);
            csv.WriteField(r.ReplyLink);
            csv.WriteField(r.ConversationId);
            csv.WriteField(r.Intent);
            csv.WriteField(r.Sentiment);
            csv.WriteField(r.Department);
            csv.WriteField(r.Tags is { Count: > 0 } tags ? string.Join("; ", tags) : null);
            await csv.NextRecordAsync();
            if (++rows % 500 == 0)
            {
                await csv.FlushAsync(); // stream out as we go
            }
        }

        await csv.FlushAsync();
    }
}
