using StackExchange.Redis;

namespace SupportBot.Customers;

/// <summary>
/// The customers' Redis keys. All share the hash tag <c>{cust}</c>, so every script that links,
/// merges or edits customers touches one slot and stays atomic on a Redis Cluster too.
/// </summary>
internal static class CustomerKeys
{
    private const string Prefix = "{cust}:";

    /// <summary>Identity (<c>type:userId</c>) → customer id.</summary>
    public static readonly RedisKey ByIdentity = Prefix + "idx:identity";

    /// <summary>Normalised e-mail → customer id.</summary>
    public static readonly RedisKey ByEmail = Prefix + "idx:email";

    /// <summary>Normalised phone → customer id.</summary>
    public static readonly RedisKey ByPhone = Prefix + "idx:phone";

    /// <summary>Conversation id → customer id.</summary>
    public static readonly RedisKey ByConversation = Prefix + "idx:conversation";

    /// <summary>Search terms (lower-case name words, e-mails, phones) as <c>term \0 id</c>, all at score 0, for prefix search.</summary>
    public static readonly RedisKey Search = Prefix + "search";

    /// <summary>The customer (hash: name, photo, status, stage, first, last, nameByAgent; or only <c>merged</c> once merged away).</summary>
    public static RedisKey Customer(string id) => Prefix + "c:" + id;

    public static RedisKey Identities(string id) => Prefix + "c:" + id + ":ids";

    public static RedisKey Emails(string id) => Prefix + "c:" + id + ":emails";

    public static RedisKey Phones(string id) => Prefix + "c:" + id + ":phones";

    public static RedisKey Tags(string id) => Prefix + "c:" + id + ":tags";

    public static RedisKey Notes(string id) => Prefix + "c:" + id + ":notes";

    /// <summary>Interest record ids, scored by the record's time (unix ms).</summary>
    public static RedisKey Records(string id) => Prefix + "c:" + id + ":records";

    public static RedisKey Conversations(string id) => Prefix + "c:" + id + ":convs";

    /// <summary>The customer's e-mail and phone search terms.</summary>
    public static RedisKey ContactTerms(string id) => Prefix + "c:" + id + ":terms";

    /// <summary>The customer's name search terms (replaced when the name changes).</summary>
    public static RedisKey NameTerms(string id) => Prefix + "c:" + id + ":nterms";

    /// <summary>The customer's moves between funnel stages (JSON each, oldest first).</summary>
    public static RedisKey Stages(string id) => Prefix + "c:" + id + ":stages";

    /// <summary>Every per-customer key, in the order the scripts expect them.</summary>
    public static RedisKey[] All(string id) =>
        [Customer(id), Identities(id), Emails(id), Phones(id), Tags(id), Notes(id), Records(id), Conversations(id), ContactTerms(id), NameTerms(id)];
}
