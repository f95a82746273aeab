using SupportBot.Channels.WebChat;
using SupportBot.Customers;
using SupportBot.FollowUps;
using SupportBot.Handoff;
using SupportBot.Hosting;
using SupportBot.Interests;
using SupportBot.Pipeline;
using SupportBot.Storage;

// Content root is the program's folder: appsettings.json, content/ and wwwroot/ are copied next to it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddBotDefaults();
builder.AddStorage();
builder.AddPipeline();
builder.AddDialogs();
builder.AddHandoff();
builder.AddWebChat();
builder.AddCustomers();
builder.AddFollowUps();

var app = builder.Build();
app.UseBotDefaults();
app.MapWebChat();
app.MapInterestsApi().RequireAuthorization(BotDefaults.ApiKeyPolicy);
app.MapOutboxApi().RequireAuthorization(BotDefaults.ApiKeyPolicy);
app.MapHandoff(BotDefaults.ApiKeyPolicy);
app.MapCustomersApi().RequireAuthorization(BotDefaults.ApiKeyPolicy);
app.MapFollowUpsApi().RequireAuthorization(BotDefaults.ApiKeyPolicy);

return await app.RunBotAsync();
