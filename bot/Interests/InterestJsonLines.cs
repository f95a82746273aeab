using System.Text.Json;

namespace SupportBot.Interests;

/// <summary>
/// The feed as JSON Lines: one record per line (camelCase, empty fields left out, as in the CRM webhooks' bodies),
/// written as it is read. The same rows and cap as the CSV export.
/// </summary>
public static class InterestJsonLines
{
    public const string ContentType = "application/jsonl; charset=utf-8";

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public static async Task WriteAsync(Stream output, IAsyncEnumerable<InterestRecord> records, CancellationToken cancellationToken)
    {
        var buffered = new BufferedStream(output, 16 * 1024); // flushed, not disposed: disposing would close the response body
        var rows = 0;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            await JsonSerializer.SerializeAsync(buffered, record, Export.ExportJson.Relaxed.InterestRecord, cancellationToken);
            await buffered.WriteAsync(NewLine, cancellationToken);
            if (++rows % 500 == 0)
            {
                await buffered.FlushAsync(cancellationToken); // stream out as we go
            }
        }

        await buffered.FlushAsync(cancellationToken);
    }
}
