namespace SupportBot.Intake;

/// <summary>What a confirmation e-mail to the author of a web form can say.</summary>
/// <param name="Site">The site's name (<c>Intake:Sites:&lt;i&gt;:Name</c>).</param>
/// <param name="RecordId">The interest record the submission became.</param>
/// <param name="Email">The author's address (normalised; the form's <c>email</c>).</param>
/// <param name="Language">en, ru or de, guessed from the text or the browser's Accept-Language.</param>
public sealed record FormConfirmation(
    string Site, string RecordId, string Action, string Email, string? Name, string? Language, string Page, string? Product, string? Text);

/// <summary>
/// The seam for the optional confirmation e-mail (<c>Intake:Sites:&lt;i&gt;:ConfirmationEmail</c>). The e-mail channel
/// implements it with its SMTP sender and registers it as a singleton; until one is registered
/// <see cref="NoFormConfirmationSender"/> stands in and nothing is sent. Called once per new submission that has an
/// e-mail, on a site with the setting on, after the record is stored; the form's answer waits for it, so an
/// implementation should queue the mail rather than talk SMTP inline. A failure is logged and does not fail the form.
/// </summary>
public interface IFormConfirmationSender
{
    /// <summary>False for the stand-in: start-up warns when a site asks for confirmations nobody can send.</summary>
    bool CanSend { get; }

    Task SendAsync(FormConfirmation confirmation, CancellationToken cancellationToken);
}

/// <summary>Used while no e-mail sender is registered: sends nothing.</summary>
internal sealed class NoFormConfirmationSender : IFormConfirmationSender
{
    public bool CanSend => false;

    public Task SendAsync(FormConfirmation confirmation, CancellationToken cancellationToken) => Task.CompletedTask;
}
