using SupportBot.Interests;

namespace SupportBot.Customers;

public static class CustomersSetup
{
    /// <summary>The customer store, the funnel (<c>Customers:*</c>) and the interest-log observer that links customers.</summary>
    public static IHostApplicationBuilder AddCustomers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CustomersOptions>().BindConfiguration(CustomersOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<CustomersOptions>, CustomersOptionsValidator>();
        builder.Services.AddSingleton<CustomerStore>();
        builder.Services.AddSingleton<CustomerErasure>();
        builder.Services.AddSingleton<IInterestObserver, CustomerLinker>();
        return builder;
    }
}
