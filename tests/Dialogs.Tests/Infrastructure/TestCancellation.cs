namespace SupportBot.Dialogs.Tests.Infrastructure;

public static class TestCancellation
{
    /// <summary>Cancelled when xUnit gives up on the test, so a hung call does not hang the run.</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;
}
