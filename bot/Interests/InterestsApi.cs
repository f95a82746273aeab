using System.Globalization;
using SupportBot.Api;

namespace SupportBot.Interests;

public static class InterestsApi
{
    private static readonly HashSet<string> Actions = ["message", "comment", "like", "review", "request", "form", "join"];

    /// <summary><c>GET /api/interests?from=&amp;to=&amp;source=&amp;action=&amp;page=&amp;pageSize=</c>, newest first.</summary>
    public static RouteGroupBuilder MapInterestsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/interests");
        group.MapGet("/", List);
        group.MapGet("/{id}", async (string id, InterestLog log) =>
            await log.GetAsync(id) is { } record ? TypedResults.Ok(record) : Problems.NotFound($"No interest record '{id}'."));
        return group;
    }

    private static async Task<IResult> List(InterestLog log, string? from, string? to, string? source, string? action, int? page, int? pageSize)
    {
        if (!TryParseDate(from, out var fromDate) || !TryParseDate(to, out var toDate))
        {
            return Problems.BadRequest("from and to are ISO 8601 dates, e.g. 2026-11-24 or 2026-11-24T10:00:00Z.");
        }

        if (action is not null && !Actions.Contains(action))
        {
            return Problems.BadRequest($"action is one of: {string.Join(", ", Actions)}.");
        }

        if (source is not null && (source.Length > 32 || !source.All(char.IsAsciiLetterLower)))
        {
            return Problems.BadRequest("source is a channel name such as webchat, telegram, vk, email or form.");
        }

        if (page is < 1 || pageSize is < 1 or > 500)
        {
            return Problems.BadRequest("page starts at 1; pageSize is between 1 and 500.");
        }

        return TypedResults.Ok(await log.QueryAsync(new InterestQuery(fromDate, toDate, source, action, page ?? 1, pageSize ?? 50)));
    }

    private static bool TryParseDate(string? text, out DateTimeOffset? date)
    {
        date = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            date = parsed;
            return true;
        }

        return false;
    }
}
