using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using SupportBot.Storage;

namespace SupportBot.Export;

/// <summary>
/// Sends queued webhook events: claims due deliveries (leased, so several instances never send the same one in
/// normal operation), POSTs each body signed with HMAC-SHA256 of the receiver's secret, and records the outcome.
/// Within one round Polly retries a dropped connection, a timeout, 408, 429 or 5xx a few times quickly; after a failed
/// round the queue schedules the next one with exponential backoff (or the receiver's Retry-After, if longer).
/// </summary>
internal sealed class WebhookDeliverer : LeasedQueueWorker<WebhookDelivery>
{
    public const string HttpClientName = "webhooks";
    public const string SignatureHeader = "X-Signature-256";
    public const string IdHeader = "X-Webhook-Id";
    public const string EventHeader = "X-Webhook-Event";
    public const string TimestampHeader = "X-Webhook-Timestamp";
    public const double MaxQuickDelaySeconds = 5;
    private const int MaxErrorLength = 500;

    private readonly WebhookQueue _queue;
    private readonly IHttpClientFactory _http;
    private readonly IOptions<ExportOptions> _options;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public WebhookDeliverer(WebhookQueue queue, IHttpClientFactory http, IOptions<ExportOptions> options, TimeProvider time, ILogger<WebhookDeliverer> logger)
        : base(queue.Wake, time, logger)
    {
        _queue = queue;
        _http = http;
        _options = options;
        var delivery = options.Value.Delivery;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (delivery.QuickRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = delivery.QuickRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(0.5),
                MaxDelay = TimeSpan.FromSeconds(MaxQuickDelaySeconds),
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(response => IsTransient(response.StatusCode)),
                OnRetry = arguments =>
                {
                    arguments.Outcome.Result?.Dispose(); // the next try gets its own response
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.AddTimeout(TimeSpan.FromSeconds(delivery.TimeoutSeconds)).Build();
    }

    /// <summary><c>sha256=</c> and the lower-case hex HMAC-SHA256 of the body under the secret: the <c>X-Signature-256</c> value.</summary>
    public static string Sign(string secret, byte[] body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    protected override string Name => "Webhook delivery";

    protected override bool Enabled => _options.Value.Webhooks.Count > 0; // no receiver: nothing is queued either

    protected override int Concurrency => _options.Value.Delivery.Concurrency;

    protected override TimeSpan Poll => TimeSpan.FromMilliseconds(_options.Value.Delivery.PollMilliseconds);

    protected override Task<IReadOnlyList<WebhookDelivery>> ClaimAsync(int max) => _queue.ClaimAsync(max);

    protected override Task HandleAsync(WebhookDelivery item, CancellationToken stoppingToken) => DeliverAsync(item, stoppingToken);

    /// <summary>One round for one delivery; never throws for the receiver's failures.</summary>
    internal async Task DeliverAsync(WebhookDelivery delivery, CancellationToken stoppingToken)
    {
        var settings = _options.Value;
        if (settings.Find(delivery.Webhook) is not { } webhook)
        {
            await _queue.FailedAsync(delivery, $"Export:Webhooks has no receiver named '{delivery.Webhook}' any more.", Time.GetUtcNow(), giveUp: true);
            ExportLog.GaveUp(Logger, delivery.Webhook, delivery.Id, delivery.Attempts + 1);
            return;
        }

        var body = Encoding.UTF8.GetBytes(delivery.Body);
        var signature = Sign(webhook.Secret, body);
        string error;
        TimeSpan? retryAfter = null;
        try
        {
            using var response = await _pipeline.ExecuteAsync(
                async cancellationToken =>
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new ByteArrayContent(body) };
                    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                    request.Headers.Add(SignatureHeader, signature);
                    request.Headers.Add(IdHeader, delivery.Id);
                    request.Headers.Add(EventHeader, delivery.Type);
                    request.Headers.Add(TimestampHeader, Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                    return await _http.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                },
                stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                await _queue.DeliveredAsync(delivery);
                ExportLog.Delivered(Logger, webhook.Name, delivery.Id, delivery.Type);
                return;
            }

            error = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            retryAfter = response.Headers.RetryAfter is { } header ? header.Delta ?? header.Date - Time.GetUtcNow() : null;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await _queue.ReleaseAsync(delivery); // shutting down: due again at once, for this instance after a restart or another one now
            return;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or IOException)
        {
            error = e.Message;
        }

        var attempt = delivery.Attempts + 1;
        var wait = settings.Delivery.Backoff(attempt, Random.Shared);
        if (retryAfter is { } asked && asked > wait)
        {
            wait = TimeSpan.FromSeconds(Math.Min(asked.TotalSeconds, settings.Delivery.MaxRetrySeconds));
        }

        error = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        if (await _queue.FailedAsync(delivery, error, Time.GetUtcNow() + wait))
        {
            ExportLog.GaveUp(Logger, webhook.Name, delivery.Id, attempt);
        }
        else
        {
            ExportLog.RoundFailedFor(Logger, webhook.Name, delivery.Id, attempt, wait.TotalSeconds, error);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}
