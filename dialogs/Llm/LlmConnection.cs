using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace SupportBot.Dialogs.Llm;

/// <summary>
/// The configured model as every LLM feature uses it: one Semantic Kernel chat service, one circuit
/// breaker and one per-conversation token budget. The grounded answers on the reply path and the
/// batched enrichment share it, so a model that is down is off for both, and both spend one budget.
/// </summary>
public sealed partial class LlmConnection : IDisposable
{
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _breaker;
    private readonly CircuitBreakerStateProvider _breakerState = new();
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _offUntilUnixMs;

    /// <param name="handler">The HTTP handler under the connector (tests); null: a plain one.</param>
    /// <param name="budget">Where the per-conversation spend is counted; null: in this process's memory.</param>
    public LlmConnection(LlmOptions options, ILogger? logger = null, HttpMessageHandler? handler = null, TimeProvider? time = null, ITokenBudget? budget = null)
    {
        var errors = options.Validate();
        if (!options.Enabled || errors.Count > 0)
        {
            throw new ArgumentException(options.Enabled ? string.Join(" ", errors) : "Llm is not configured (Llm:Provider / Llm:Endpoint).", nameof(options));
        }

        Options = options;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        Budget = budget ?? new MemoryTokenBudget(options.TokenBudgetPerConversation, _time);

        // The Polly pipelines own the timeouts; SK turns the connector's own retries off for a caller's HttpClient.
        _http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan;

        var builder = Kernel.CreateBuilder();
        var model = options.Model!;
        var apiKey = string.IsNullOrWhiteSpace(options.ApiKey) ? "none" : options.ApiKey;
        if (options.NormalizedProvider == "azure-openai")
        {
            builder.AddAzureOpenAIChatCompletion(model, options.Endpoint!, apiKey, httpClient: _http);
        }
        else if (string.IsNullOrWhiteSpace(options.Endpoint))
        {
            builder.AddOpenAIChatCompletion(model, apiKey, httpClient: _http);
        }
        else
        {
            builder.AddOpenAIChatCompletion(model, new Uri(options.Endpoint), apiKey, httpClient: _http);
        }

        Chat = builder.Build().GetRequiredService<IChatCompletionService>();
        _breaker = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Every call in the window failed and there were at least N: the model is down, stop asking for a while.
                FailureRatio = 1.0,
                MinimumThroughput = options.BreakerFailures,
                SamplingDuration = TimeSpan.FromSeconds(options.BreakerSamplingSeconds),
                BreakDuration = TimeSpan.FromSeconds(options.BreakerCooldownSeconds),
                StateProvider = _breakerState,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException && !IsRefusedRequest(e)),
                OnOpened = args =>
                {
                    Interlocked.Exchange(ref _offUntilUnixMs, (_time.GetUtcNow() + args.BreakDuration).ToUnixTimeMilliseconds());
                    LogBreakerOpened(_logger, options.BreakerCooldownSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogBreakerClosed(_logger);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public LlmOptions Options { get; }

    internal IChatCompletionService Chat { get; }

    internal ITokenBudget Budget { get; }

    /// <summary>
    /// The breaker is open and its cool-down runs: calls are refused without asking the model. (Polly reports
    /// "open" until the next call after the cool-down, which is the trial; so the cool-down's end is kept here.)
    /// </summary>
    public bool IsOff => _breakerState.CircuitState switch
    {
        CircuitState.Isolated => true,
        CircuitState.Open => _time.GetUtcNow().ToUnixTimeMilliseconds() < Interlocked.Read(ref _offUntilUnixMs),
        _ => false,
    };

    /// <summary>A timeout for <see cref="ExecuteAsync{T}"/>: built once per use, not per call.</summary>
    internal static ResiliencePipeline Timeout(double seconds) => new ResiliencePipelineBuilder().AddTimeout(TimeSpan.FromSeconds(seconds)).Build();

    /// <summary>
    /// Runs a model call under the shared breaker and the caller's timeout. Throws <see cref="BrokenCircuitException"/>
    /// while the breaker is open and <see cref="TimeoutRejectedException"/> when the call took too long.
    /// </summary>
    internal async Task<T> ExecuteAsync<T>(ResiliencePipeline timeout, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken) =>
        await _breaker.ExecuteAsync(async token => await timeout.ExecuteAsync(async t => await call(t), token), cancellationToken);

    /// <summary>
    /// The server refused this request as it was (400, 413, 422: too long, a feature it lacks): asking again
    /// will not help, but the model is not down either, so the breaker does not count it.
    /// </summary>
    internal static bool IsRefusedRequest(Exception e) =>
        e is HttpOperationException { StatusCode: HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.UnprocessableEntity };

    /// <summary>Model tokens a reply reports (its usage as the server counted it); 0 when it says nothing.</summary>
    internal static long TokensOf(ChatMessageContent? message) =>
        message?.Metadata is { } metadata && metadata.TryGetValue("Usage", out var usage) && usage is OpenAI.Chat.ChatTokenUsage counted ? counted.TotalTokenCount : 0;

    public void Dispose() => _http.Dispose();

    [LoggerMessage(3, LogLevel.Warning, "LLM circuit opened: the model is off for {Seconds} s")]
    private static partial void LogBreakerOpened(ILogger logger, double seconds);

    [LoggerMessage(4, LogLevel.Information, "LLM circuit closed: the model is back")]
    private static partial void LogBreakerClosed(ILogger logger);
}
