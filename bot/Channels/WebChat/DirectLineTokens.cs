using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SupportBot.Handoff;
using StackExchange.Redis;

namespace SupportBot.Channels.WebChat;

/// <summary>A Direct Line token's contents: the one conversation it opens and the user it speaks for.</summary>
public sealed record DirectLineToken(string Token, string ConversationId, string UserId, int ExpiresInSeconds);

/// <summary>
/// Issues and checks Direct Line tokens: HMAC-signed JWTs (Web Chat reads the <c>user</c> claim)
/// that expire and name exactly one conversation. Stateless, so any instance can check them.
/// </summary>
public sealed class DirectLineTokens(IOptions<WebChatOptions> options, IConnectionMultiplexer redis, TimeProvider time)
{
    private const string Issuer = "supportbot";
    private const string Audience = "directline";
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private SymmetricSecurityKey? _key;

    public async Task<DirectLineToken> IssueAsync(string conversationId, string userId)
    {
        var lifetime = TimeSpan.FromMinutes(options.Value.TokenLifetimeMinutes);
        var now = time.GetUtcNow().UtcDateTime;
        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Subject = new ClaimsIdentity([new Claim("conv", conversationId), new Claim("user", userId)]),
            SigningCredentials = new SigningCredentials(await KeyAsync(), SecurityAlgorithms.HmacSha256),
        });
        return new DirectLineToken(token, conversationId, userId, (int)lifetime.TotalSeconds);
    }

    /// <returns>The token's contents, or null when it is malformed, forged or expired.</returns>
    public async Task<DirectLineToken?> ValidateAsync(string token)
    {
        if (token.Length > 4096)
        {
            return null;
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = await KeyAsync(),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } e && e > time.GetUtcNow().UtcDateTime && (notBefore is null || notBefore <= time.GetUtcNow().UtcDateTime.AddSeconds(30)),
        });
        if (!result.IsValid
            || !result.Claims.TryGetValue("conv", out var conversation)
            || !result.Claims.TryGetValue("user", out var user))
        {
            return null;
        }

        var expiresIn = (int)Math.Max(0, (result.SecurityToken.ValidTo - time.GetUtcNow().UtcDateTime).TotalSeconds);
        return new DirectLineToken(token, (string)conversation, (string)user, expiresIn);
    }

    /// <summary>Compares in constant time, so the secret cannot be guessed byte by byte from response times.</summary>
    public bool IsSecret(string presented)
    {
        var secret = options.Value.Secret;
        return !string.IsNullOrEmpty(secret)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(secret));
    }

    private async Task<SymmetricSecurityKey> KeyAsync()
    {
        if (_key is not null)
        {
            return _key;
        }

        var secret = options.Value.Secret;
        if (string.IsNullOrEmpty(secret))
        {
            // No secret configured (a newcomer's first run): one random key, shared by all instances through Redis.
            var db = redis.GetDatabase();
            await db.StringSetAsync(RedisKeys.DirectLineGeneratedKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), when: When.NotExists);
            secret = (string)(await db.StringGetAsync(RedisKeys.DirectLineGeneratedKey))!;
        }

        // A key derived for this one purpose, so the secret itself never signs anything.
        var keyBytes = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret), 32, info: Encoding.UTF8.GetBytes("directline-token-signing"));
        return _key = new SymmetricSecurityKey(keyBytes);
    }
}
