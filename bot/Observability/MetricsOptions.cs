using System.ComponentModel.DataAnnotations;

namespace SupportBot.Observability;

/// <summary><c>Metrics:*</c> — who may read <c>/metrics</c>, and how often the queue gauge is sampled.</summary>
public sealed class MetricsOptions
{
    public const string Section = "Metrics";

    /// <summary>Anyone may read /metrics (only behind a network that keeps it private). Off: loopback callers or a key.</summary>
    public bool AllowAnonymous { get; set; }

    /// <summary>Scrape keys, sent as <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key</c>; the <c>Api:Keys</c> are accepted too.</summary>
    public string[] Keys { get; set; } = [];

    /// <summary>How often the handoff queue lengths are read from Redis for the gauge.</summary>
    [Range(1, 3600)]
    public int QueueSampleSeconds { get; set; } = 5;
}

/// <summary><c>OpenTelemetry:*</c> — where traces and logs are exported (metrics are always on /metrics).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "OpenTelemetry";

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    [Required]
    public string ServiceName { get; set; } = "supportbot";

    public OtlpSettings Otlp { get; set; } = new();

    public sealed class OtlpSettings
    {
        /// <summary>An OTLP collector, e.g. <c>http://localhost:4317</c> (gRPC) or <c>http://localhost:4318</c> (HTTP). Empty: no export.</summary>
        public string? Endpoint { get; set; }

        /// <summary><c>grpc</c> or <c>http/protobuf</c>.</summary>
        public string Protocol { get; set; } = "grpc";
    }

    public bool ExportsOtlp => !string.IsNullOrWhiteSpace(Otlp.Endpoint);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (ExportsOtlp && !(Uri.TryCreate(Otlp.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            errors.Add($"{Section}:Otlp:Endpoint must be an http(s) URL of an OTLP collector, not '{Otlp.Endpoint}'.");
        }

        if (Otlp.Protocol is not ("grpc" or "http/protobuf"))
        {
            errors.Add($"{Section}:Otlp:Protocol must be grpc or http/protobuf, not '{Otlp.Protocol}'.");
        }

        return errors;
    }
}
