using Microsoft.Extensions.Options;
using SupportBot.Contracts;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Demo;
using SupportBot.Dialogs.Enrichment;
using SupportBot.Dialogs.Llm;
using SupportBot.Hosting;
using SupportBot.Interests;
using SupportBot.Pipeline;

namespace SupportBot.Enrichment;

/// <summary>
/// Off the reply path: claims queued inbound records in batches (up to <c>Llm:EnrichmentBatchSize</c>, fewer after
/// a call timed out; looking every <c>Llm:EnrichmentIntervalSeconds</c>), has the model label them in one call each, and rewrites each
/// record's intent and sentiment in place (<c>intent_source</c> / <c>sentiment_source</c> = model). Unusable
/// output keeps the lexicon's values; an unavailable model (breaker open, timeout, server error) leaves the
/// records queued for later. With <c>Llm:EnrichmentHandoff</c>, a "negative" on a recent message of a
/// conversation the bot still has brings in a person, through the conversation's own inbox (in order).
/// </summary>
internal sealed class EnrichmentWorker(
    EnrichmentQueue queue,
    InterestLog interests,
    ContentLibrary content,
    LlmServices llm,
    PipelineIngress ingress,
    IOptions<LlmOptions> options,
    TimeProvider time,
    ILogger<EnrichmentWorker> logger) : BackgroundService
{
    /// <summary>A verdict on an older message does not bring a person in: the conversation has moved on.</summary>
    internal static readonly TimeSpan EscalationWindow = TimeSpan.FromMinutes(10);

    internal const string NegativeSentimentReason = ShopBot.NegativeSentimentReason;

    /// <summary>Which worker (and host) holds a claim.</summary>
    private readonly string _token = Environment.MachineName + ":" + Guid.NewGuid().ToString("N");

    private (ContentCatalog Catalog, IReadOnlyList<IntentLabel> Labels)? _intents;

    /// <summary>Whether the queue under the old untagged key names has been taken over (once per start).</summary>
    private bool _legacyAdopted;

    /// <summary>Records per call now: halved after a call timed out (a slow local model), one more after any other outcome.</summary>
    private int _batchSize = options.Value.EnrichmentBatchSize;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (llm.Classifier is null || !options.Value.EnrichmentEnabled)
        {
            return;
        }

        var interval = TimeSpan.FromSeconds(options.Value.EnrichmentIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            var again = false;
            try
            {
                if (!_legacyAdopted)
                {
                    await queue.AdoptLegacyKeysAsync();
                    _legacyAdopted = true;
                }

                again = await RunBatchAsync(llm.Classifier, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Redis away, a record that kept changing, anything else: the worker goes on (the host must not stop for
                // it); the batch's claims run out and its records are tried again.
                EnrichmentLog.BatchFailed(logger, e);
            }

            if (!again)
            {
                try
                {
                    await Task.Delay(interval, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <returns>True when a full batch was handled (more may be waiting: no pause).</returns>
    internal async Task<bool> RunBatchAsync(EnrichmentClassifier classifier, CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (classifier.IsOff)
        {
            return false; // the breaker is open: the records wait where they are
        }

        var lease = TimeSpan.FromSeconds(settings.EnrichmentTimeoutSeconds + 60);
        var batchSize = Math.Clamp(_batchSize, 1, settings.EnrichmentBatchSize);
        var ids = await queue.ClaimAsync(batchSize, lease, _token);
        if (ids.Count == 0)
        {
            return false;
        }

        EnrichmentResult result;
        List<InterestRecord> records;
        try
        {
            records = [.. (await interests.GetManyAsync(ids)).Where(EnrichmentQueue.Eligible)];
            result = records.Count == 0
                ? EnrichmentResult.Unusable
                : await classifier.ClassifyAsync([.. records.Select(r => new EnrichmentItem(r.ConversationId, r.Text!))], Intents(), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping: the batch goes back at once, for this host after its restart or for another one now.
            await queue.ReleaseAsync(ids, _token, TimeSpan.Zero);
            throw;
        }

        _batchSize = result.TimedOut ? Math.Max(1, batchSize / 2) : Math.Min(settings.EnrichmentBatchSize, batchSize + 1);
        if (result.Outcome == EnrichmentOutcome.Unavailable)
        {
            var wait = classifier.IsOff ? TimeSpan.FromSeconds(settings.BreakerCooldownSeconds) : TimeSpan.FromSeconds(settings.EnrichmentIntervalSeconds);
            await queue.ReleaseAsync(ids, _token, wait);
            return false;
        }

        // Only what this worker still holds is written: a claim that ran out belongs to someone else now.
        var held = (await queue.HoldAsync(ids, lease, _token)).ToHashSet(StringComparer.Ordinal);
        var labelled = 0;
        foreach (var (verdict, record) in result.Verdicts.Select(v => (v.Value, records[v.Key])))
        {
            if (!held.Contains(record.Id))
            {
                continue;
            }

            if (await interests.UpdateFieldsAsync(record.Id, current => WithVerdict(current, verdict)) is not null)
            {
                labelled++;
            }

            if (settings.EnrichmentHandoff && verdict.Sentiment == SentimentLexicon.Negative && MayEscalate(record))
            {
                await EscalateAsync(record);
            }
        }

        await queue.DoneAsync([.. held], _token);
        EnrichmentLog.BatchLabelled(logger, labelled, ids.Count);
        return ids.Count >= batchSize;
    }

    /// <summary>The record's fields with the model's intent and sentiment; null when they are already there.</summary>
    internal static IReadOnlyDictionary<string, string>? WithVerdict(InterestRecord record, EnrichmentVerdict verdict)
    {
        var fields = record.Fields is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(record.Fields, StringComparer.Ordinal);
        if ((fields.GetValueOrDefault(ShopBot.IntentField) ?? record.Intent) == verdict.Intent
            && (fields.GetValueOrDefault(ShopBot.SentimentField) ?? record.Sentiment) == verdict.Sentiment
            && fields.GetValueOrDefault(EnrichmentClassifier.SentimentSourceField) == EnrichmentClassifier.ModelSource)
        {
            return null;
        }

        fields[ShopBot.IntentField] = verdict.Intent;
        fields[EnrichmentClassifier.IntentSourceField] = EnrichmentClassifier.ModelSource;
        fields[ShopBot.SentimentField] = verdict.Sentiment;
        fields[EnrichmentClassifier.SentimentSourceField] = EnrichmentClassifier.ModelSource;
        return fields;
    }

    /// <summary>A recent message of a chat the bot had when it was written (not one already with a person or waiting for one).</summary>
    private bool MayEscalate(InterestRecord record) =>
        record.Responsible == "bot" && record.EventId is not null && time.GetUtcNow() - record.Date <= EscalationWindow;

    /// <summary>Into the conversation's inbox, after what the customer said meanwhile; the turn router acts only while the bot has the chat.</summary>
    private async Task EscalateAsync(InterestRecord record)
    {
        var accepted = await ingress.AcceptAsync(new ChannelActivity
        {
            Channel = record.SourceType,
            ConversationId = record.ConversationId,
            EventId = "escalate:" + record.Id, // once per record, however often it is classified
            From = new ChannelUser(record.Author.Id, record.Author.Name, record.Author.PhotoUrl, record.Author.ProfileUrl),
            Kind = ActivityKind.Escalate,
            Text = NegativeSentimentReason,
            ChannelAccount = record.ChannelAccount,
        });
        if (accepted.Accepted)
        {
            EnrichmentLog.Escalated(logger, record.ConversationId);
        }
    }

    private IReadOnlyList<IntentLabel> Intents()
    {
        var catalog = content.Current;
        if (_intents is not { } cached || !ReferenceEquals(cached.Catalog, catalog))
        {
            _intents = cached = (catalog, EnrichmentClassifier.Intents(catalog));
        }

        return cached.Labels;
    }
}

internal static partial class EnrichmentLog
{
    [LoggerMessage(900, LogLevel.Debug, "LLM enrichment: {Labelled} of {Count} records got the model's intent and sentiment")]
    public static partial void BatchLabelled(ILogger logger, int labelled, int count);

    [LoggerMessage(901, LogLevel.Warning, "LLM enrichment batch failed; its records are tried again when their claim runs out")]
    public static partial void BatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(902, LogLevel.Information, "The model found a message in {ConversationId} negative: a person is brought in")]
    public static partial void Escalated(ILogger logger, string conversationId);
}
