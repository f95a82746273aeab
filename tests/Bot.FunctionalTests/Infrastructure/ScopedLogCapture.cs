using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SupportBot.FunctionalTests.Infrastructure;

public sealed record ScopedLog(string Category, LogLevel Level, string Message, string Scopes)
{
    /// <summary>Everything the line would put in a log file: its scopes, its text and its exception.</summary>
    public string Full => Scopes + " " + Message;
}

/// <summary>Keeps every log line of the host with its scopes (trace ids, conversation), as a console or OTLP logger would write them.</summary>
/// <param name="minimum">Lines below this level are not kept.</param>
public sealed class ScopedLogCapture(LogLevel minimum = LogLevel.Trace) : ILoggerProvider, ISupportExternalScope
{
    private readonly LogLevel _minimum = minimum;
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<ScopedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ScopedLogCapture owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= owner._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var scopes = new StringBuilder();
            owner._scopes.ForEachScope((scope, builder) =>
            {
                // Scopes like ActivityTracking's are lists of pairs: write them out as the console logger does.
                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs && scope.GetType().Name != "FormattedLogValues")
                {
                    builder.Append(string.Join(", ", pairs.Select(p => $"{p.Key}:{p.Value}"))).Append(" => ");
                }
                else
                {
                    builder.Append(scope).Append(" => ");
                }
            }, scopes);
            owner.Entries.Enqueue(new ScopedLog(category, logLevel, formatter(state, exception) + (exception is null ? "" : "\n" + exception), scopes.ToString()));
        }
    }
}
