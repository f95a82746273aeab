namespace SupportBot.TestSupport;

/// <summary>A Redis-compatible server the host under test connects to.</summary>
public interface IStore
{
    string ConnectionString { get; }

    string Name { get; }
}
