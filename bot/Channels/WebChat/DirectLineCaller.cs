using SupportBot.Api;

namespace SupportBot.Channels.WebChat;

/// <summary>Who calls a Direct Line endpoint: the site's back end with the secret, or a browser with a token.</summary>
internal sealed record DirectLineCaller(bool IsSecret, DirectLineToken? Token)
{
    /// <returns>The caller, or a 401 (no credentials) / 403 (invalid or expired, which DirectLineJS reads as an expired token).</returns>
    public static async Task<(DirectLineCaller? Caller, IResult? Problem)> AuthenticateAsync(HttpRequest request, DirectLineTokens tokens)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return (null, Problems.Unauthorized("Send 'Authorization: Bearer <token or secret>'."));
        }

        return await FromCredentialAsync(header[7..].Trim(), tokens);
    }

    public static async Task<(DirectLineCaller? Caller, IResult? Problem)> FromCredentialAsync(string credential, DirectLineTokens tokens)
    {
        if (tokens.IsSecret(credential))
        {
            return (new DirectLineCaller(true, null), null);
        }

        var token = await tokens.ValidateAsync(credential);
        return token is null
            ? (null, Problems.Forbidden("The token is invalid or has expired."))
            : (new DirectLineCaller(false, token), null);
    }
}
