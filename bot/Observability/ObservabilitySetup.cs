using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SupportBot.Dialogs;

namespace SupportBot.Observability;

/// <summary>
/// OpenTelemetry: our meter, ASP.NET Core, HttpClient and runtime metrics on <c>/metrics</c>
/// (Prometheus text); a span per turn, with its trace id in every log line written during it; and,
/// when <c>OpenTelemetry:Otlp:Endpoint</c> is set, traces and logs exported to that collector.
/// </summary>
public static class ObservabilitySetup
{
    public const string MetricsPath = "/metrics";

    public static IHostApplicationBuilder AddObservability(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        builder.Services.AddSingleton<HandoffQueueLengths>();
        builder.Services.AddSingleton<BotMetrics>();
        builder.Services.AddHostedService<HandoffQueueSampler>();

        // The trace and span id of the current activity become a scope of every log line, next to the conversation id.
        builder.Logging.Configure(logging => logging.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);

        var telemetry = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(string.IsNullOrWhiteSpace(telemetry.ServiceName) ? "supportbot" : telemetry.ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(BotTelemetry.Name, DialogsTelemetry.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(tracing =>
            {
                // Our turn spans always exist (log lines of a turn share its trace id); requests and calls are traced for export only.
                // Credentials in URLs (the Telegram token in the Bot API's path) are taken out first, before any exporter runs.
                tracing.AddSource(BotTelemetry.Name).AddProcessor(new SecretRedactingProcessor());
                if (telemetry.ExportsOtlp)
                {
                    tracing
                        .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath))
                        .AddHttpClientInstrumentation()
                        .AddOtlpExporter(o => Configure(o, telemetry, "v1/traces"));
                }
            });

        if (telemetry.ExportsOtlp)
        {
            otel.WithLogging(logging => logging.AddOtlpExporter(o => Configure(o, telemetry, "v1/logs")), options => options.IncludeScopes = true);
        }

        return builder;
    }

    /// <summary><c>GET /metrics</c> in Prometheus text format, behind <see cref="MetricsAccess"/>.</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(MetricsAccess.GateAsync), optionsName: null);
        return app;
    }

    /// <summary>gRPC takes the collector's address; OTLP over HTTP takes each signal's own path under it.</summary>
    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions telemetry, string signalPath)
    {
        if (!Uri.TryCreate(telemetry.Otlp.Endpoint, UriKind.Absolute, out var endpoint))
        {
            return; // reported at start-up by the options check
        }

        var http = telemetry.Otlp.Protocol == "http/protobuf";
        exporter.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        exporter.Endpoint = http ? new Uri(endpoint.ToString().TrimEnd('/') + "/" + signalPath) : endpoint;
    }
}

internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options) =>
        options.Validate() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
