using Microsoft.Extensions.Logging;

namespace SupportBot.Dialogs.Content;

/// <summary>
/// The live content: loaded at start (a broken file stops start-up), then reloaded whenever a YAML
/// file under the folder changes. A reload that fails keeps the last good version live and logs
/// why, so a support team's typo never takes the bot down.
/// </summary>
public sealed partial class ContentLibrary : IDisposable
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(300);
    private readonly string _folder;
    private readonly ILogger<ContentLibrary> _logger;
    private readonly FileSystemWatcher _watcher;
    private readonly Timer _debounce;
    private readonly Lock _reloadGate = new();
    private ContentCatalog _current;

    public ContentLibrary(string folder, ILogger<ContentLibrary> logger)
    {
        _folder = folder;
        _logger = logger;
        _current = ContentCatalog.Load(folder);
        _debounce = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        _watcher = new FileSystemWatcher(folder, "*.yaml")
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.DirectoryName,
        };
        // Editors save in bursts (truncate, write, rename): wait until the folder is quiet, then load once.
        FileSystemEventHandler changed = (_, _) => _debounce.Change(Settle, Timeout.InfiniteTimeSpan);
        _watcher.Changed += changed;
        _watcher.Created += changed;
        _watcher.Deleted += changed;
        _watcher.Renamed += (_, _) => _debounce.Change(Settle, Timeout.InfiniteTimeSpan);
        _watcher.EnableRaisingEvents = true;
    }

    /// <summary>The content in force now; take it once per turn.</summary>
    public ContentCatalog Current => Volatile.Read(ref _current);

    /// <summary>Why the last reload failed, while the previous version stays live; null after a good load.</summary>
    public string? LastError { get; private set; }

    /// <summary>Raised after a successful reload with the new content (e.g. to retrain the FAQ recognizer).</summary>
    public event Action<ContentCatalog>? Reloaded;

    /// <returns>True when the folder loaded and is now live.</returns>
    public bool Reload()
    {
        lock (_reloadGate)
        {
            ContentCatalog next;
            try
            {
                next = ContentCatalog.Load(_folder);
            }
            catch (Exception e)
            {
                // Also a file deleted or still being written mid-read, or a YAML shape the checks did not foresee: this runs
                // on a timer, where any exception would take the host down.
                LastError = e.Message;
                LogReloadFailed(_logger, e.Message);
                return false;
            }

            Volatile.Write(ref _current, next);
            LastError = null;
            LogReloaded(_logger, next.Faq.Count, next.Dialogs.Count);
            try
            {
                Reloaded?.Invoke(next);
            }
            catch (Exception e)
            {
                LogSubscriberFailed(_logger, e);
            }

            return true;
        }
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _debounce.Dispose();
    }

    [LoggerMessage(1, LogLevel.Information, "Content reloaded: {FaqEntries} FAQ entries, {Dialogs} dialogs")]
    private static partial void LogReloaded(ILogger logger, int faqEntries, int dialogs);

    [LoggerMessage(2, LogLevel.Warning, "Content not reloaded, the last good version stays live: {Error}")]
    private static partial void LogReloadFailed(ILogger logger, string error);

    [LoggerMessage(3, LogLevel.Error, "A part of the bot failed to take the reloaded content; it keeps the previous version")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);
}
