using System.Globalization;
using Microsoft.AspNetCore.Components;

namespace SupportBot.AgentConsole.Live;

/// <summary>
/// A console component that re-renders on news raised on another thread (handoff notices, reminders, the store's
/// connection). Blazor runs <c>InvokeAsync</c> work with the caller's culture, which is the thread pool's, not the
/// agent's: without <see cref="InvokeLiveAsync(Func{Task})"/> a Russian agent's page turned English, and its times
/// changed format, at the first live update.
/// </summary>
public abstract class LiveComponent : ComponentBase
{
    // Components are created while their page renders, with the agent's culture (the request's, then the circuit's).
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;

    /// <summary><c>InvokeAsync</c> in the agent's culture: what it renders reads as the rest of the page.</summary>
    protected Task InvokeLiveAsync(Func<Task> work) => InvokeAsync(() =>
    {
        UsePageCulture();
        return work();
    });

    /// <inheritdoc cref="InvokeLiveAsync(Func{Task})"/>
    protected Task InvokeLiveAsync(Action work) => InvokeAsync(() =>
    {
        UsePageCulture();
        work();
    });

    private void UsePageCulture()
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
    }
}
