using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SupportBot.BrowserTests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using static SupportBot.FunctionalTests.Infrastructure.TestCancellation;

namespace SupportBot.BrowserTests.Channels.WebChat;

/// <summary>
/// The compatibility promise: Microsoft's own Web Chat (botframework-webchat from npm, unchanged)
/// talks to our Direct Line from a customer's site on another origin (so CORS is exercised too).
/// </summary>
public sealed class WebChatCompatibilityTests(BrowserHostFixture host) : BrowserTest(host), IClassFixture<BrowserHostFixture>
{
    [Fact]
    public async Task MicrosoftWebChat_OnAnotherOrigin_GreetsThenAnswersAndMessageIsSent()
    {
        var bundle = WebChatBundle.RequirePath();
        await using var site = await StaticSite.StartAsync(new Dictionary<string, (string, Func<HttpResponse, Task>)>
        {
            ["/"] = ("text/html; charset=utf-8", response => response.WriteAsync(PageHtml(Host.HostUrl))),
            ["/webchat.js"] = ("text/javascript; charset=utf-8", response => response.SendFileAsync(bundle)),
        });
        Assert.NotEqual(new Uri(site.Url).GetLeftPart(UriPartial.Authority), Host.HostUrl);

        // The page's "load" waits for Web Chat's 3.9 MB bundle to be parsed and run: 3.5 s on this
        // machine when idle, over the usual 10 s while the other test projects keep both cores busy.
        await Page.GotoAsync(site.Url + "/", new PageGotoOptions { Timeout = 60_000 });
        var transcript = Page.Locator(".webchat__basic-transcript");
        var botBubbles = transcript.Locator(".webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content");
        var userBubbles = transcript.Locator(".webchat__bubble--from-user .webchat__bubble__content");
        await Expect(botBubbles.Filter(new() { HasText = "Northwind Shop assistant" })).ToBeVisibleAsync(new() { Timeout = 30_000 });

        var sendBox = Page.Locator("[data-id=webchat-sendbox-input]");
        await sendBox.FillAsync("How long does delivery take?");
        await sendBox.PressAsync("Enter");

        await Expect(botBubbles.Filter(new() { HasText = "2–4 working days" })).ToBeVisibleAsync();
        await Expect(userBubbles).ToHaveTextAsync(["How long does delivery take?"]); // shown once: the echo replaced it, not doubled it

        // Web Chat counts a message as sent only when its echo (with the clientActivityID) comes back
        // on the stream; without it the message is marked "Send failed. Retry." after sendTimeout.
        try
        {
            await Page.WaitForFunctionAsync(
                "text => window.webChatStore.getState().activities.some(a => a.from && a.from.role === 'user' && a.text === text && a.channelData && a.channelData['webchat:send-status'] === 'sent')",
                "How long does delivery take?",
                new PageWaitForFunctionOptions { Timeout = 10_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail("Web Chat never marked the visitor's message as sent: the echo with its clientActivityID did not come back on the stream.");
        }

        await Expect(transcript.GetByText("Send failed")).ToHaveCountAsync(0);

        // A person takes over: Web Chat shows their typing (our typing activity, outside the transcript), then their reply.
        await sendBox.FillAsync("I want a human");
        await sendBox.PressAsync("Enter");
        await Expect(botBubbles.Filter(new() { HasText = "passing you to a person" })).ToBeVisibleAsync();
        var conversationId = "webchat:" + await Page.EvaluateAsync<string>(
            "() => window.webChatStore.getState().activities.find(a => a.conversation && a.conversation.id).conversation.id");
        var handoff = Host.Services.GetRequiredService<SupportBot.Handoff.HandoffService>();
        await handoff.SetPresenceAsync("lena", new SupportBot.Handoff.PresenceUpdate(SupportBot.Handoff.PresenceStatus.Away, 3, [], "Lena"));
        Assert.True((await handoff.ClaimAsync(conversationId, "lena")).Succeeded);
        Assert.True(await Host.Services.GetRequiredService<SupportBot.Handoff.AgentTyping>().ShowAsync(conversationId, "lena", Ct));
        await Expect(Page.Locator(".webchat__typing-indicator")).ToBeVisibleAsync();
        Assert.True((await handoff.SendAsync(conversationId, "lena", "Hello, Lena here.")).Succeeded);
        await Expect(botBubbles.Filter(new() { HasText = "Hello, Lena here." })).ToBeVisibleAsync();

        Assert.Null(await Page.Locator("body").GetAttributeAsync("data-error"));
        AssertNoPageErrors();
    }

    /// <summary>The customer's page: a visitor token from the host, then Web Chat pointed at the host's Direct Line.</summary>
    private static string PageHtml(string hostUrl) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>Customer site with Microsoft Web Chat</title>
          <style>html, body { height: 100%; margin: 0; } #webchat { height: 100%; }</style>
        </head>
        <body>
          <div id="webchat" role="main"></div>
          <script src="/webchat.js"></script>
          <script>
            (async function () {
              const host = {{JsonSerializer.Serialize(hostUrl)}};
              try {
                const response = await fetch(host + '/api/webchat/token', { method: 'POST' });
                if (!response.ok) throw new Error('visitor token: HTTP ' + response.status);
                const { token } = await response.json();
                window.webChatStore = WebChat.createStore();
                WebChat.renderWebChat({
                  directLine: WebChat.createDirectLine({ token, domain: host + '/v3/directline' }),
                  store: window.webChatStore,
                  locale: 'en-US'
                }, document.getElementById('webchat'));
              } catch (e) {
                document.body.setAttribute('data-error', String(e));
                throw e;
              }
            })();
          </script>
        </body>
        </html>
        """;
}
