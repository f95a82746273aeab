using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace SupportBot.AgentConsole.Accounts;

public enum SignInResult
{
    Success,
    WrongCredentials,
    LockedOut,
    Disabled,
}

/// <summary>
/// Console accounts in Redis: one hash per account (<c>console:account:&lt;id&gt;</c>) and an e-mail index.
/// Passwords are hashed with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/> (PBKDF2, versioned, rehashed when it says so).
/// </summary>
public sealed partial class AgentAccountStore(IConnectionMultiplexer redis, TimeProvider time, IOptions<ConsoleOptions> consoleOptions)
{
    public const int MinPasswordLength = 10;

    private static readonly RedisKey AllAccounts = "console:accounts";
    private readonly PasswordHasher<AgentAccount> _hasher = new();

    private static RedisKey AccountKey(string id) => "console:account:" + id;

    private static RedisKey EmailKey(string email) => "console:account-email:" + email;

    /// <summary>Lower-cased e-mail; the id is derived from it so it is stable and readable (<c>ann.lee@example.com</c> → <c>ann.lee-example.com</c>).</summary>
    public static string NormaliseEmail(string email) => email.Trim().ToLowerInvariant();

    public static string IdFor(string email) => IdCleaner().Replace(NormaliseEmail(email).Replace('@', '-'), "-");

    /// <summary>Checks an account before it is stored: the problem as a sentence, or null.</summary>
    public static string? Problem(string email, string name, string role, string? password)
    {
        if (!EmailPattern().IsMatch(email.Trim()) || email.Length > 200)
        {
            return "email must be an e-mail address.";
        }

        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            return "name is 1–100 characters.";
        }

        if (!AgentRoles.All.Contains(role))
        {
            return $"role is one of: {string.Join(", ", AgentRoles.All)}.";
        }

        if (password is not null && password.Length < MinPasswordLength)
        {
            return $"password must be at least {MinPasswordLength} characters.";
        }

        return null;
    }

    /// <summary>Adds an account, or updates name/role/departments (and the password when given) of the one with this e-mail.</summary>
    public async Task<AgentAccount> UpsertAsync(string email, string name, string role, IReadOnlyList<string> departments, string? password, string? language = null)
    {
        if (Problem(email, name, role, password) is { } problem)
        {
            throw new ArgumentException(problem);
        }

        var existing = await FindByEmailAsync(email);
        var account = (existing ?? new AgentAccount { Id = await FreeIdAsync(email), Email = NormaliseEmail(email), Name = name, Role = role }) with
        {
            Name = name.Trim(),
            Role = role,
            Departments = departments,
            Language = language ?? existing?.Language ?? "en",
        };
        if (password is not null)
        {
            account = account with { PasswordHash = _hasher.HashPassword(account, password), FailedLogins = 0, LockedUntil = null };
        }

        await SaveAsync(account);
        return account;
    }

    /// <summary>
    /// The id for a new account, claimed for its e-mail. Different addresses can clean to the same id
    /// (<c>ann-lee@example.com</c> and <c>ann@lee-example.com</c>); the later one gets a suffix instead of taking over the other's account.
    /// </summary>
    private async Task<string> FreeIdAsync(string email)
    {
        var normalised = NormaliseEmail(email);
        var db = redis.GetDatabase();
        for (var n = 1; ; n++)
        {
            var id = n == 1 ? IdFor(email) : IdFor(email) + "-" + n.ToString(CultureInfo.InvariantCulture);
            if (await db.HashSetAsync(AccountKey(id), "email", normalised, When.NotExists)
                || await db.HashGetAsync(AccountKey(id), "email") == normalised)
            {
                return id;
            }
        }
    }

    public async Task<AgentAccount?> FindByEmailAsync(string email)
    {
        var id = await redis.GetDatabase().StringGetAsync(EmailKey(NormaliseEmail(email)));
        return id.IsNull ? null : await GetAsync(id!);
    }

    public async Task<AgentAccount?> GetAsync(string id)
    {
        var fields = await redis.GetDatabase().HashGetAllAsync(AccountKey(id));
        return fields.Length == 0 ? null : Read(id, fields.ToDictionary(f => (string)f.Name!, f => (string)f.Value!, StringComparer.Ordinal));
    }

    public async Task<IReadOnlyList<AgentAccount>> ListAsync()
    {
        var ids = await redis.GetDatabase().SetMembersAsync(AllAccounts);
        var accounts = await Task.WhenAll(ids.Select(id => GetAsync(id!)));
        return [.. accounts.OfType<AgentAccount>().OrderBy(a => a.Name, StringComparer.CurrentCultureIgnoreCase)];
    }

    public async Task<bool> AnyAsync() => await redis.GetDatabase().SetLengthAsync(AllAccounts) > 0;

    /// <summary>
    /// Checks a password. <c>Console:MaxFailedLogins</c> wrong passwords from one client address lock the account for that
    /// address (<c>Console:LockoutMinutes</c>); ten times as many from anywhere lock it for everyone. So a stranger who
    /// types wrong passwords on purpose cannot lock an agent out from their own desk, and guessing from many addresses
    /// is still bounded. An unknown e-mail costs the same hashing time, so timing does not tell which e-mails exist.
    /// </summary>
    /// <param name="client">The client's address key (<see cref="SupportBot.Security.IngressRateLimits.ClientKey"/>); null for a local tool.</param>
    public async Task<(SignInResult Result, AgentAccount? Account)> CheckPasswordAsync(string email, string password, string? client = null)
    {
        var account = await FindByEmailAsync(email);
        if (account is null)
        {
            _hasher.VerifyHashedPassword(new AgentAccount { Id = "", Email = "", Name = "", Role = "" }, DummyHash.Value, password);
            return (SignInResult.WrongCredentials, null);
        }

        // Each attempt is counted before the (slow) hash check, atomically with the lock check: guesses sent all at
        // once cannot each see the account unlocked and get more checks than the limits allow.
        var now = time.GetUtcNow();
        var max = consoleOptions.Value.MaxFailedLogins;
        var lockout = TimeSpan.FromMinutes(consoleOptions.Value.LockoutMinutes);
        var db = redis.GetDatabase();
        var clientFailures = ClientFailuresKey(account.Id, client ?? "local");
        var fromThisClient = (long)await db.ScriptEvaluateAsync(CountClientAttemptScript, [clientFailures], [max, (long)lockout.TotalMilliseconds]);
        if (fromThisClient < 0)
        {
            return (SignInResult.LockedOut, null);
        }

        var attempt = (long)(await db.ScriptEvaluateAsync(
            CountAttemptScript,
            [AccountKey(account.Id)],
            [now.ToUnixTimeMilliseconds(), max * OverallFailuresFactor, (now + lockout).ToUnixTimeMilliseconds()]));
        if (attempt < 0)
        {
            return (SignInResult.LockedOut, null);
        }

        var verdict = account.PasswordHash.Length == 0
            ? PasswordVerificationResult.Failed
            : _hasher.VerifyHashedPassword(account, account.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            if (attempt >= max * OverallFailuresFactor)
            {
                // The count stays until the lock runs out, so attempts still in flight are refused too.
                await db.HashSetAsync(AccountKey(account.Id), "locked", (now + lockout).ToUnixTimeMilliseconds());
                return (SignInResult.LockedOut, null);
            }

            if (fromThisClient >= max)
            {
                // This address is locked out of this account for the lockout, counted from this failure.
                await db.KeyExpireAsync(clientFailures, lockout);
                return (SignInResult.LockedOut, null);
            }

            return (SignInResult.WrongCredentials, null);
        }

        if (account.Disabled)
        {
            return (SignInResult.Disabled, null);
        }

        var updates = new List<HashEntry> { new("failed", 0), new("locked", "") };
        if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
        {
            // The sign-in carries the stored hash's stamp (ConsoleSetup.Principal): it must be the new one.
            account = account with { PasswordHash = _hasher.HashPassword(account, password) };
            updates.Add(new("hash", account.PasswordHash));
        }

        await db.HashSetAsync(AccountKey(account.Id), [.. updates]);
        await db.KeyDeleteAsync(clientFailures);
        return (SignInResult.Success, account with { FailedLogins = 0, LockedUntil = null });
    }

    /// <summary>Wrong passwords from anywhere that lock an account for everyone, as a multiple of <c>Console:MaxFailedLogins</c>.</summary>
    private const int OverallFailuresFactor = 10;

    /// <summary>Attempts on one account from one client address, kept for the lockout (a key of its own, so it expires).</summary>
    private static RedisKey ClientFailuresKey(string accountId, string client) => "console:signin-attempts:" + accountId + ":" + client;

    /// <summary>
    /// KEYS: the client's attempts on the account. ARGV: MaxFailedLogins, lockout (ms). Returns -1 when this client has had
    /// its tries (it is locked out until the key expires), else the attempt's number; the first attempt starts the window.
    /// </summary>
    private const string CountClientAttemptScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        if n > tonumber(ARGV[1]) then return -1 end
        return n
        """;

    /// <summary>
    /// KEYS: the account. ARGV: now (ms), the overall limit, lock-until (ms). Returns -1 while locked (or when this attempt
    /// is one too many: it locks), else the attempt's number since the last success or expired lock.
    /// </summary>
    private const string CountAttemptScript = """
        local locked = tonumber(redis.call('HGET', KEYS[1], 'locked') or '')
        if locked then
          if locked > tonumber(ARGV[1]) then return -1 end
          redis.call('HSET', KEYS[1], 'failed', 0, 'locked', '')
        end
        local n = redis.call('HINCRBY', KEYS[1], 'failed', 1)
        if n > tonumber(ARGV[2]) then
          redis.call('HSET', KEYS[1], 'locked', ARGV[3])
          return -1
        end
        return n
        """;

    public Task SetLanguageAsync(string id, string language) =>
        redis.GetDatabase().HashSetAsync(AccountKey(id), "lang", language);

    public Task SetDisabledAsync(string id, bool disabled) =>
        redis.GetDatabase().HashSetAsync(AccountKey(id), "disabled", disabled ? "1" : "0");

    public async Task SetPasswordAsync(string id, string password)
    {
        if (password.Length < MinPasswordLength)
        {
            throw new ArgumentException($"password must be at least {MinPasswordLength} characters.");
        }

        var account = await GetAsync(id) ?? throw new ArgumentException($"No account '{id}'.");
        await redis.GetDatabase().HashSetAsync(AccountKey(id), [
            new("hash", _hasher.HashPassword(account, password)), new("failed", 0), new("locked", ""),
        ]);
    }

    private async Task SaveAsync(AgentAccount account)
    {
        var db = redis.GetDatabase();
        var tx = db.CreateTransaction();
        _ = tx.HashSetAsync(AccountKey(account.Id), [
            new("email", account.Email),
            new("name", account.Name),
            new("role", account.Role),
            new("depts", string.Join(',', account.Departments)),
            new("lang", account.Language),
            new("capacity", account.Capacity),
            new("disabled", account.Disabled ? "1" : "0"),
            new("hash", account.PasswordHash),
            new("failed", account.FailedLogins),
            new("locked", account.LockedUntil?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? ""),
        ]);
        _ = tx.StringSetAsync(EmailKey(account.Email), account.Id);
        _ = tx.SetAddAsync(AllAccounts, account.Id);
        await tx.ExecuteAsync();
    }

    private static AgentAccount Read(string id, Dictionary<string, string> f) => new()
    {
        Id = id,
        Email = f.GetValueOrDefault("email", ""),
        Name = f.GetValueOrDefault("name", id),
        Role = f.GetValueOrDefault("role", AgentRoles.Agent),
        Departments = f.GetValueOrDefault("depts", "").Split(',', StringSplitOptions.RemoveEmptyEntries),
        Language = f.GetValueOrDefault("lang", "en"),
        Capacity = int.TryParse(f.GetValueOrDefault("capacity"), CultureInfo.InvariantCulture, out var c) ? c : 3,
        Disabled = f.GetValueOrDefault("disabled") == "1",
        PasswordHash = f.GetValueOrDefault("hash", ""),
        FailedLogins = int.TryParse(f.GetValueOrDefault("failed"), CultureInfo.InvariantCulture, out var n) ? n : 0,
        LockedUntil = long.TryParse(f.GetValueOrDefault("locked"), CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null,
    };

    /// <summary>A real hash to verify against for unknown e-mails (same cost as a real check).</summary>
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<AgentAccount>().HashPassword(new AgentAccount { Id = "", Email = "", Name = "", Role = "" }, Guid.NewGuid().ToString()));

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"[^a-z0-9._-]")]
    private static partial Regex IdCleaner();
}
