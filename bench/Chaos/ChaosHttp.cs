using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SupportBot.Chaos;

/// <summary>HTTP as the host's clients speak it during an outage: retry what failed in transit, give up on a clear no.</summary>
internal static class ChaosHttp
{
    public static HttpClient CreateClient(Uri baseAddress) => new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(10),
        MaxConnectionsPerServer = 1024,
        UseCookies = false,
        AllowAutoRedirect = false,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(20),
    };

    /// <summary>
    /// Sends until the host gives an answer that is not a transient failure. Refused connections, timeouts,
    /// 5xx and 429 are tried again with growing pauses (as Telegram redelivers a webhook and Direct Line
    /// clients resend); the request is built anew for every try so it can carry the same ids.
    /// </summary>
    /// <returns>The first 2xx, 3xx or 4xx answer (the caller disposes it).</returns>
    /// <exception cref="TimeoutException">No such answer within <paramref name="giveUpAfter"/>.</exception>
    public static async Task<HttpResponseMessage> SendUntilAnsweredAsync(
        HttpClient http, Func<HttpRequestMessage> build, TimeSpan giveUpAfter, CancellationToken cancellationToken, Action? onRetry = null)
    {
        var deadline = DateTime.UtcNow + giveUpAfter;
        var pause = TimeSpan.FromMilliseconds(100);
        var last = "";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var request = build();
                var response = await http.SendAsync(request, cancellationToken);
                var status = (int)response.StatusCode;
                if (status < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    return response;
                }

                last = $"{status} {await response.Content.ReadAsStringAsync(cancellationToken)}";
                response.Dispose();
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                last = "timed out: " + e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No answer after {giveUpAfter.TotalSeconds:0} s; last: {last}");
            }

            onRetry?.Invoke();
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 2000));
        }
    }

    public static HttpRequestMessage Json(HttpMethod method, string path, JsonNode? body, string? bearer = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        return request;
    }

    public static async Task<JsonObject> ReadObjectAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject
        ?? throw new InvalidOperationException($"{(int)response.StatusCode}: the body is not a JSON object.");

    /// <summary>Fails with the status and body when the answer is not a success (a 4xx after the retries).</summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }
}
