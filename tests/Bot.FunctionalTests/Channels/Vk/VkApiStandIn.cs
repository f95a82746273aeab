using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace SupportBot.FunctionalTests.Channels.Vk;

/// <summary>One API call the stand-in received: the method and its form fields.</summary>
public sealed record VkCall(string Method, IReadOnlyDictionary<string, string> Form)
{
    public DateTimeOffset ReceivedAt { get; init; } = DateTimeOffset.UtcNow;

    public string this[string field] => Form.TryGetValue(field, out var value) ? value : "";
}

/// <summary>
/// The VK API on a loopback port, answering like the documentation: <c>POST /method/{name}</c> with
/// form fields, <c>{"response":…}</c> or <c>{"error":{"error_code","error_msg","request_params"}}</c> with
/// HTTP 200, and a Bots Long Poll server at <c>/lp</c>. messages.send drops a repeated random_id
/// (answers the first message's id) the way VK does. Tests queue answers for the next calls.
/// </summary>
public sealed class VkApiStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Method, Func<VkCall, bool> When, string Json)> _next = new();
    private readonly Lock _nextLock = new();
    private readonly ConcurrentDictionary<string, long> _byRandomId = new();
    private readonly ConcurrentQueue<string> _longPoll = new();
    private readonly SemaphoreSlim _longPollReady = new(0);
    private long _ids = 1000;
    private long _keys;

    private VkApiStandIn(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Where the host's <c>ApiBaseUrl</c> points.</summary>
    public string ApiBaseUrl => Url + "/method/";

    public ConcurrentQueue<VkCall> Calls { get; } = new();

    /// <summary>Long poll requests as received: key and ts.</summary>
    public ConcurrentQueue<(string Key, string Ts)> LongPollRequests { get; } = new();

    /// <summary>The key the last groups.getLongPollServer handed out.</summary>
    public string CurrentKey => "key" + Interlocked.Read(ref _keys).ToString(CultureInfo.InvariantCulture);

    public IEnumerable<VkCall> CallsOf(string method) => Calls.Where(c => c.Method == method);

    /// <summary>The next call of <paramref name="method"/> that <paramref name="when"/> matches gets this answer instead of the default.</summary>
    public void AnswerNext(string method, Func<VkCall, bool> when, string json) => _next.Enqueue((method, when, json));

    /// <summary>The next call of <paramref name="method"/> for this peer (or user) answers the error.</summary>
    public void FailNext(string method, long peer, int code, string message) =>
        AnswerNext(
            method,
            c => c["peer_id"] == peer.ToString(CultureInfo.InvariantCulture) || c["user_id"] == peer.ToString(CultureInfo.InvariantCulture),
            new JsonObject { ["error"] = new JsonObject { ["error_code"] = code, ["error_msg"] = message, ["request_params"] = new JsonArray() } }.ToJsonString());

    private string? TakeScripted(VkCall call)
    {
        lock (_nextLock)
        {
            var all = _next.ToArray();
            _next.Clear();
            string? found = null;
            foreach (var entry in all)
            {
                if (found is null && entry.Method == call.Method && entry.When(call))
                {
                    found = entry.Json;
                    continue;
                }

                _next.Enqueue(entry);
            }

            return found;
        }
    }

    /// <summary>The next long poll request gets this answer (otherwise it waits and answers no updates).</summary>
    public void LongPollAnswer(string json)
    {
        _longPoll.Enqueue(json);
        _longPollReady.Release();
    }

    public static async Task<VkApiStandIn> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new VkApiStandIn(app);
        app.Run(standIn.HandleAsync);
        await app.StartAsync();
        standIn.Url = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First().TrimEnd('/');
        return standIn;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path == "/lp")
        {
            await LongPollAsync(context);
            return;
        }

        if (!path.StartsWith("/method/", StringComparison.Ordinal) || !HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = 404;
            return;
        }

        var method = path["/method/".Length..];
        var form = (await context.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
        var call = new VkCall(method, form);
        Calls.Enqueue(call);
        context.Response.ContentType = "application/json; charset=utf-8";
        if (call["access_token"].Length == 0 || call["v"] != "5.199")
        {
            await context.Response.WriteAsync("""{"error":{"error_code":5,"error_msg":"User authorization failed: no access_token passed.","request_params":[]}}""");
            return;
        }

        if (TakeScripted(call) is { } scripted)
        {
            await context.Response.WriteAsync(scripted);
            return;
        }

        await context.Response.WriteAsync(new JsonObject { ["response"] = DefaultAnswer(call) }.ToJsonString());
    }

    private JsonNode? DefaultAnswer(VkCall call) => call.Method switch
    {
        "messages.send" => _byRandomId.GetOrAdd(call["peer_id"] + "/" + call["random_id"], _ => Interlocked.Increment(ref _ids)),
        // As vk-api-schema 5.199 has them: wall.createComment answers an object, the others the bare comment id.
        "wall.createComment" => new JsonObject { ["comment_id"] = Interlocked.Increment(ref _ids), ["parents_stack"] = new JsonArray() },
        "photos.createComment" or "video.createComment" or "market.createComment" or "board.createComment" => Interlocked.Increment(ref _ids),
        "messages.sendMessageEventAnswer" or "messages.setActivity" => 1,
        "users.get" => new JsonArray([.. call["user_ids"].Split(',').Select(id => (JsonNode)new JsonObject
        {
            ["id"] = long.Parse(id, CultureInfo.InvariantCulture),
            ["first_name"] = "Ivan",
            ["last_name"] = "Petrov" + id,
            ["photo_100"] = $"https://sun1.userapi.com/photo_{id}_100.jpg",
            ["can_access_closed"] = true,
            ["is_closed"] = false,
        })]),
        "groups.getLongPollServer" => new JsonObject
        {
            ["key"] = "key" + Interlocked.Increment(ref _keys).ToString(CultureInfo.InvariantCulture),
            ["server"] = Url + "/lp",
            ["ts"] = "100",
        },
        _ => 1,
    };

    private async Task LongPollAsync(HttpContext context)
    {
        var query = context.Request.Query;
        LongPollRequests.Enqueue((query["key"].ToString(), query["ts"].ToString()));
        var wait = int.TryParse(query["wait"], CultureInfo.InvariantCulture, out var seconds) ? seconds : 25;
        string answer;
        if (query["act"] != "a_check")
        {
            answer = """{"failed":3}""";
        }
        else if (await _longPollReady.WaitAsync(TimeSpan.FromSeconds(wait), context.RequestAborted) && _longPoll.TryDequeue(out var scripted))
        {
            answer = scripted;
        }
        else
        {
            answer = new JsonObject { ["ts"] = query["ts"].ToString(), ["updates"] = new JsonArray() }.ToJsonString();
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(answer);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
