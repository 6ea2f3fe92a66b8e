-- The W3C traceparent of the span that wrote the event, so the relay publishes it in the same trace (OpenTelemetry).
ALTER TABLE outbox ADD trace_parent NVARCHAR(100) NULL;
