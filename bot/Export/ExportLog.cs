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

    [LoggerMessage(823, LogLevel.Warning, "Webhook delivery round failed, trying again shortly: {Error}")]
    public static partial void RoundFailed(ILogger logger, string error);

    [LoggerMessage(824, LogLevel.Error, "Webhook delivery failed unexpectedly; the deliverer goes on")]
    public static partial void LoopFailed(ILogger logger, Exception exception);
}
