package dev.tnorders.opentact.trace.otel;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import org.apache.camel.CamelContext;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.kafka.common.header.Headers;

import dev.tnorders.opentact.trace.RequestTraces;
import dev.tnorders.opentact.trace.TraceHeaders;

/**
 * Tracing with OpenTelemetry, switched on by {@code opentact.tracing.enabled=true} (docs/operations.md,
 * "Tracing"). One trace per request ({@link RequestSpans}, through {@link RequestTraces}): its span
 * from intake (child of its Kafka record's {@code traceparent}), the Opentact calls made for it, and
 * its output records carry it on ({@link TraceHeaders}). Camel's OpenTelemetry tracer
 * (camel-opentelemetry2) makes the spans of the routes: a poll or CSV file taken in, the direct
 * routes of the lifecycle, and each call's route and HTTP spans (children of the call's span).
 * Every exporter is wrapped in {@link SpanHygiene}, which lets only the documented attributes out.
 */
public final class Tracing {

    public static final String ENABLED = "opentact.tracing.enabled";
    /** The instrumentation scope of the spans. */
    public static final String SCOPE = "dev.tnorders.opentact";

    private Tracing() {
    }

    /**
     * The SDK configured from the standard OTEL_* variables (e.g. {@code OTEL_EXPORTER_OTLP_ENDPOINT},
     * {@code OTEL_SERVICE_NAME}, {@code OTEL_TRACES_SAMPLER}); the service is called
     * opentact-order-routes unless they say otherwise, and only traces are exported.
     */
    public static OpenTelemetrySdk autoConfigured() {
        return AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> Map.of(
                        "otel.service.name", "opentact-order-routes",
                        "otel.metrics.exporter", "none",
                        "otel.logs.exporter", "none"))
                .addSpanExporterCustomizer((exporter, config) -> new SpanHygiene(exporter))
                .build().getOpenTelemetrySdk();
    }

    /** An SDK that sends every span, as it ends, through {@link SpanHygiene} to {@code exporter} (tests). */
    public static OpenTelemetrySdk exportingTo(SpanExporter exporter) {
        return OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(new SpanHygiene(exporter))).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
    }

    /**
     * Traces the routes of {@code camelContext} with {@code otel}: call before the routes start.
     * The SDK is shut down (its spans flushed) when the context stops.
     */
    public static OpenTelemetryTracer install(CamelContext camelContext, OpenTelemetrySdk otel) throws Exception {
        Tracer tracer = otel.getTracer(SCOPE);
        camelContext.getRegistry().bind("opentactOtelTracer", Tracer.class, tracer);
        camelContext.getRegistry().bind("opentactOtelPropagators", ContextPropagators.class, otel.getPropagators());
        OpenTelemetryTracer camelTracer = new OpenTelemetryTracer();
        // The auth probe's timer ticks do nothing most of the time: no trace for each.
        camelTracer.setExcludePatterns("timer:*");
        camelTracer.setCamelContext(camelContext);
        camelTracer.init(camelContext);
        TraceHeaders.use(injector(otel));
        RequestTraces.use(new RequestSpans(otel));
        camelContext.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                TraceHeaders.use(null);
                RequestTraces.use(null);
                otel.shutdown().join(10, TimeUnit.SECONDS);
            }
        }, true, true);
        return camelTracer;
    }

    private static Consumer<Headers> injector(OpenTelemetry otel) {
        TextMapPropagator propagator = otel.getPropagators().getTextMapPropagator();
        return headers -> propagator.inject(Context.current(), headers, (h, key, value) -> {
            h.remove(key);
            h.add(key, value.getBytes(StandardCharsets.UTF_8));
        });
    }
}
