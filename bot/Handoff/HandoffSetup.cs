using Microsoft.Extensions.Options;
using SupportBot.Handoff.Departments;
using SupportBot.Pipeline;
using StackExchange.Redis;

namespace SupportBot.Handoff;

public static class HandoffSetup
{
    /// <summary>Departments and hours (<c>Handoff:*</c>), the Redis store, automatic assignment, the monitor and the agents' hub.</summary>
    public static IHostApplicationBuilder AddHandoff(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HandoffOptions>().BindConfiguration(HandoffOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<HandoffOptions>, HandoffOptionsValidator>();
        builder.Services.AddSingleton(sp => new DepartmentDirectory(sp.GetRequiredService<IOptions<HandoffOptions>>().Value));
        builder.Services.AddSingleton(sp => new HandoffStore(
            sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<TimeProvider>(),
            TimeSpan.FromDays(sp.GetRequiredService<IOptions<PipelineOptions>>().Value.ConversationTtlDays)));
        builder.Services.AddSingleton<HandoffAssigner>();
        builder.Services.AddSingleton<HandoffWake>();
        builder.Services.AddSingleton<HandoffService>();
        builder.Services.AddSingleton<AgentTyping>();
        builder.Services.AddHostedService<HandoffMonitor>();
        builder.Services.AddHostedService<HandoffHubRelay>();
        builder.Services.AddSignalR();
        return builder;
    }

    public static void MapHandoff(this WebApplication app, string policy)
    {
        app.MapHandoffApi().RequireAuthorization(policy);
        app.MapHub<HandoffHub>(HandoffHub.Path).RequireAuthorization(policy);
    }
}

/// <summary>Each wrong <c>Handoff:*</c> value is reported with its full path (e.g. <c>Handoff:Departments:0:Hours:Mon</c>).</summary>
internal sealed class HandoffOptionsValidator : IValidateOptions<HandoffOptions>
{
    public ValidateOptionsResult Validate(string? name, HandoffOptions options) =>
        options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
