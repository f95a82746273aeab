namespace SupportBot.Export;

/// <summary>The CRM export's log lines: receiver names, delivery ids and errors, never a record's content.</summary>
internal static partial class ExportLog
{
    [LoggerMessage(820, LogLevel.Debug, "Webhook {Webhook}: {DeliveryId} ({Type}) delivered")]
    public static partial void Delivered(ILogger logger, string webhook, string deliveryId, string type);

    [LoggerMessage(821, LogLevel.Warning, "Webhook {Webhook}: {DeliveryId} failed (round {Attempt}), next round in {DelaySeconds:F1} s: {Error}")]
    public static partial void RoundFailedFor(ILogger logger, string webhook, string deliveryId, int attempt, double delaySeconds, string error);

    [LoggerMessage(822, LogLevel.Error, "Webhook {Webhook}: {DeliveryId} failed for good after {Attempts} rounds; see GET /api/export/webhooks/failures")]
    public static partial void GaveUp(ILogger logger, string webhook, string deliveryId, int attempts);
}
