using Microsoft.Extensions.Options;
using SupportBot.Interests;

namespace SupportBot.Reports;

public static class ReportsSetup
{
    /// <summary>The report counters (interest-log and funnel observers) and the report queries; <c>Reports:*</c> settings.</summary>
    public static IHostApplicationBuilder AddReports(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReportsOptions>().BindConfiguration(ReportsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ReportsOptions>, ReportsOptionsValidator>();
        builder.Services.AddSingleton<ReportCounters>();
        builder.Services.AddSingleton<IInterestObserver>(sp => sp.GetRequiredService<ReportCounters>());
        builder.Services.AddSingleton<FirstResponseCounters>();
        builder.Services.AddSingleton<IInterestObserver>(sp => sp.GetRequiredService<FirstResponseCounters>());
        builder.Services.AddSingleton<FunnelCounters>();
        builder.Services.AddSingleton<Customers.ICustomerStageObserver>(sp => sp.GetRequiredService<FunnelCounters>());
        builder.Services.AddSingleton<ReportCounts>();
        builder.Services.AddSingleton<ReportQueries>();
        builder.Services.AddSingleton<ReportCountersUpgrade>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReportCountersUpgrade>());
        return builder;
    }
}
