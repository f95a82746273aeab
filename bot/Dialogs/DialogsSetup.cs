using Microsoft.Extensions.Options;
using SupportBot.Dialogs;
using SupportBot.Dialogs.Content;
using SupportBot.Dialogs.Demo;

namespace SupportBot.Hosting;

/// <summary><c>Content:*</c> — where the FAQ and the bot's lines are read from.</summary>
public sealed class ContentOptions
{
    public const string Section = "Content";

    /// <summary>
    /// Folder with messages.yaml, faq/ and dialogs/; edits are picked up while the host runs. Empty: the
    /// copy shipped next to the program (point it at the repository's content/ to edit live).
    /// </summary>
    public string? Path { get; set; }

    public string ResolvedPath => string.IsNullOrWhiteSpace(Path) ? System.IO.Path.Combine(AppContext.BaseDirectory, "content") : Path;
}

public static class DialogsSetup
{
    /// <summary>Loads the live content and registers the demo shop bot (dialog engine, FAQ recognizer, scripted dialogs).</summary>
    public static IHostApplicationBuilder AddDialogs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ContentOptions>().BindConfiguration(ContentOptions.Section);
        builder.Services.AddSingleton(sp => new ContentLibrary(
            sp.GetRequiredService<IOptions<ContentOptions>>().Value.ResolvedPath, sp.GetRequiredService<ILogger<ContentLibrary>>()));
        builder.Services.AddSingleton<IConversationBot>(sp => new ShopBot(
            sp.GetRequiredService<ContentLibrary>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ShopBot>>())
        {
            UnrecognizedBeforeHandoff = sp.GetRequiredService<IOptions<Handoff.Departments.HandoffOptions>>().Value.UnrecognizedBeforeHandoff,
        });
        return builder;
    }
}
