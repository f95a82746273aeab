using SupportBot.AgentConsole;
using SupportBot.Channels.Email;
using SupportBot.Channels.Telegram;
using SupportBot.Channels.Vk;
using SupportBot.Channels.WebChat;
using SupportBot.Customers;
using SupportBot.Export;
using SupportBot.FollowUps;
using SupportBot.Handoff;
using SupportBot.Hosting;
using SupportBot.Intake;
using SupportBot.Interests;
using SupportBot.Pipeline;
using SupportBot.Reports;
using SupportBot.Storage;

// Content root is the program's folder: appsettings.json, content/ and wwwroot/ are copied next to it.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// Run from a build (`dotnet run`) in any environment, the console's framework scripts (_framework/blazor.web.js) are
// static web assets listed in the build's manifest, not files in wwwroot; only Development reads that manifest by
// itself. A published app has no manifest and its assets in wwwroot: this does nothing there.
builder.WebHost.UseStaticWebAssets();
builder.AddBotDefaults();
builder.AddStorage();
builder.AddPipeline();
builder.AddDialogs();
builder.AddEnrichment();
builder.AddHandoff();
builder.AddWebChat();
builder.AddTelegram();
builder.AddVk();
builder.AddEmail();
builder.AddCustomers();
builder.AddFollowUps();
builder.AddReports();
builder.AddIntake();
builder.AddExport();
builder.AddConsole();

var app = builder.Build();
app.UseBotDefaults();
app.UseConsole();
app.MapStaticAssets();
app.MapWebChat();
app.MapTelegram();
app.MapVk();
app.MapInterestsApi().RequireAuthorization(BotDefaults.ApiPolicy);
app.MapOutboxApi().RequireAuthorization(BotDefaults.ApiPolicy);
app.MapHandoff(BotDefaults.ApiPolicy);
app.MapCustomersApi().RequireAuthorization(BotDefaults.ApiPolicy);
app.MapFollowUpsApi().RequireAuthorization(BotDefaults.ApiPolicy);
app.MapReportsApi().RequireAuthorization(BotDefaults.ApiPolicy);
app.MapIntake(); // the site's own key, checked by the endpoint: not Api:Keys, not a console sign-in
app.MapExportApi().RequireAuthorization(BotDefaults.ApiPolicy);
app.MapConsole();

return await app.RunBotAsync(args);
