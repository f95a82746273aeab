using System.Reflection;
using Microsoft.Extensions.Logging;

namespace SupportBot.Tests.Observability;

/// <summary>Log filters and alerts select lines by event id: two features must never share one.</summary>
public sealed class LogEventIdsTests
{
    [Fact]
    public void EveryNumberedLogLine_HasItsOwnEventId()
    {
        var lines = typeof(SupportBot.Channels.Email.EmailOptions).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is { EventId: > 0 })
            .ToList();

        Assert.NotEmpty(lines);
        var clashes = lines.GroupBy(x => x.Attribute!.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Method.DeclaringType!.Name + "." + x.Method.Name))}")
            .ToList();
        Assert.True(clashes.Count == 0, "Event ids used twice:\n" + string.Join("\n", clashes));
    }
}
