using SupportBot.Dialogs.Llm;

namespace SupportBot.Dialogs.Tests.Llm;

public sealed class LlmOptionsTests
{
    [Fact]
    public void NothingSet_IsOff_AndValid()
    {
        var options = new LlmOptions();

        Assert.False(options.Enabled);
        Assert.Empty(options.Validate());
        Assert.True(options.MaskPii);
        Assert.Equal(8, options.TimeoutSeconds);
    }

    [Theory]
    [InlineData("gemini", "http://localhost:11434/v1", "m", null, "Llm:Provider")]
    [InlineData("openai-compatible", "localhost:11434", "m", null, "Llm:Endpoint")]
    [InlineData("openai-compatible", null, "m", null, "Llm:Endpoint")]
    [InlineData("openai-compatible", "http://localhost:11434/v1", null, null, "Llm:Model")]
    [InlineData("azure-openai", "https://x.openai.azure.com", "gpt", null, "Llm:ApiKey")]
    [InlineData(null, "http://localhost:11434/v1", "", null, "Llm:Model")]
    public void BadValue_OneLineNamingTheSetting(string? provider, string? endpoint, string? model, string? key, string setting)
    {
        var errors = new LlmOptions { Provider = provider, Endpoint = endpoint, Model = model, ApiKey = key }.Validate();

        var error = Assert.Single(errors);
        Assert.StartsWith(setting, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Fact]
    public void OllamaByUrl_IsValid_WithoutAKey()
    {
        Assert.Empty(new LlmOptions { Provider = "openai-compatible", Endpoint = "http://localhost:11434/v1", Model = "llama3.1" }.Validate());
        Assert.Empty(new LlmOptions { Provider = "OpenAI", Model = "gpt-4o-mini", ApiKey = "sk" }.Validate());
    }

    [Fact]
    public void Timeout_AndOrderUrl_AreChecked()
    {
        var options = new LlmOptions { Endpoint = "http://localhost:1/v1", Model = "m", TimeoutSeconds = 0 };
        Assert.StartsWith("Llm:TimeoutSeconds", Assert.Single(options.Validate()), StringComparison.Ordinal);
        var skills = new SkillsOptions();
        skills.OrderStatus.Url = "not a url";
        Assert.StartsWith("Skills:OrderStatus:Url", Assert.Single(skills.Validate()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 3, 30, "Llm:EnrichmentBatchSize")]
    [InlineData(101, 3, 30, "Llm:EnrichmentBatchSize")]
    [InlineData(20, 0, 30, "Llm:EnrichmentIntervalSeconds")]
    [InlineData(20, 3, 0, "Llm:EnrichmentTimeoutSeconds")]
    public void Enrichment_BadValue_OneLineNamingTheSetting(int batch, double interval, double timeout, string setting)
    {
        var options = new LlmOptions
        {
            Endpoint = "http://localhost:1/v1", Model = "m", EnrichmentBatchSize = batch, EnrichmentIntervalSeconds = interval, EnrichmentTimeoutSeconds = timeout,
        };

        Assert.StartsWith(setting, Assert.Single(options.Validate()), StringComparison.Ordinal);
    }

    [Fact]
    public void Enrichment_OnWithAModel_OffWithout()
    {
        Assert.True(new LlmOptions { Endpoint = "http://localhost:1/v1", Model = "m" }.EnrichmentEnabled);
        Assert.False(new LlmOptions { Endpoint = "http://localhost:1/v1", Model = "m", Enrichment = false }.EnrichmentEnabled);
        Assert.False(new LlmOptions().EnrichmentEnabled);
        Assert.False(new LlmOptions().EnrichmentHandoff);
    }
}
