namespace SupportBot.Api;

/// <summary>Problem-details results (RFC 9457) for the errors our endpoints return.</summary>
internal static class Problems
{
    public static IResult Create(int status, string title, string detail) =>
        TypedResults.Problem(title: title, detail: detail, statusCode: status);

    public static IResult TooLarge(long maxBytes) =>
        Create(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body may be at most {maxBytes} bytes.");

    public static IResult Unauthorized(string detail) => Create(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static IResult Forbidden(string detail) => Create(StatusCodes.Status403Forbidden, "Forbidden", detail);

    public static IResult NotFound(string detail) => Create(StatusCodes.Status404NotFound, "Not found", detail);

    public static IResult BadRequest(string detail) => Create(StatusCodes.Status400BadRequest, "Bad request", detail);
}
