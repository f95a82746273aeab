using System.Text.Json;
using System.Text.Json.Serialization;
using SupportBot.Contracts;
using SupportBot.Dialogs;
using SupportBot.Interests;
using SupportBot.Pipeline.Outbox;

namespace SupportBot;

/// <summary>Source-generated JSON for everything the host stores in Redis (camelCase, nulls left out).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChannelActivity))]
[JsonSerializable(typeof(OutboxItem))]
[JsonSerializable(typeof(DeadLetter))]
[JsonSerializable(typeof(BotConversationState))]
[JsonSerializable(typeof(InterestRecord))]
[JsonSerializable(typeof(SupportBot.Handoff.HandoffNotice))]
[JsonSerializable(typeof(SupportBot.AgentConsole.Canned.CannedReply))]
[JsonSerializable(typeof(List<SupportBot.Handoff.Departments.DepartmentOptions>))]
internal sealed partial class BotJson : JsonSerializerContext;
