using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using EPrescription.Api.Tests.Notebook;
using EPrescription.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace EPrescription.Api.Tests.Operations;

/// <summary>
/// Traces as an operator's tracing backend receives them (here OpenTelemetry's in-memory exporter in place of OTLP): one trace
/// follows a dispensing from the pharmacy's HTTP request over the bus to the prescription server's consumer, through the outbox
/// to the notebook sync's consumer, and a problem document's traceId names the trace of the request that got it.
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class TracingTests(DatabaseProvider provider) : NotebookScenario(provider)
{
    private readonly ExportedSpans _spans = new();
    private ApiFixture? _traced;

    [OneTimeSetUp]
    public async Task StartATracedServiceAsync()
    {
        // Pharmacy requests over the bus, as from an API-only process: the trace then crosses the bus request as well.
        _traced = await ApiFixture.StartInstanceAsync(Provider, "_traces", reset: true, ["--Telemetry:Tracing:Enabled=true", "--Bus:PharmacyRequests=Bus"], builder =>
            builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans)));
    }

    [OneTimeTearDown]
    public async Task StopTheTracedServiceAsync()
    {
        if (_traced is not null) await _traced.DisposeAsync();
    }

    [SetUp]
    public void UseTheTracedService() => Api = _traced!;

    [Test]
    public async Task Should_follow_a_dispensing_from_the_http_request_through_the_bus_and_the_outbox_to_the_notebook_consumer()
    {
        var slip = await RegisterVisitAsync();
        await LinkAsync(slip);
        await DispenseAsync(slip);
        await FeedWhenAsync(1);

        var request = Spans().Single(s => s.Kind == ActivityKind.Server && Equals(s.GetTagItem("http.route"), "/v1/prescriptions/{id}/dispensing"));
        var trace = request.TraceId;
        await EventuallyAsync(() => Task.FromResult(Consumer(trace, "DispensingRecordedConsumer") is not null), "the notebook consumer's span in the request's trace");

        var spans = Spans().Where(s => s.TraceId == trace).ToList();
        var describe = string.Join('\n', spans.Select(Describe));
        var dispensingConsumer = Consumer(trace, "RecordDispensingConsumer");
        var notebookConsumer = Consumer(trace, "DispensingRecordedConsumer");
        var publish = spans.SingleOrDefault(s => s.Source.Name == "EPrescription" && s.OperationName == "outbox publish");
        Assert.Multiple(() =>
        {
            Assert.That(dispensingConsumer, Is.Not.Null, "the prescription server's RecordDispensing consumer in the trace:\n" + describe);
            Assert.That(publish, Is.Not.Null, "the outbox relay's publish in the trace:\n" + describe);
            Assert.That(notebookConsumer, Is.Not.Null, "the notebook sync's DispensingRecorded consumer in the trace:\n" + describe);
            Assert.That(spans.Where(s => s.Source.Name == "MassTransit" && s.Kind is ActivityKind.Producer or ActivityKind.Client), Is.Not.Empty,
                "the bus request and publish:\n" + describe);
        });
        // Each step descends from the one before: request → consumer → outbox publish → notebook consumer.
        Assert.Multiple(() =>
        {
            Assert.That(IsBelow(dispensingConsumer!, request, spans), Is.True, "the consumer runs under the HTTP request:\n" + describe);
            Assert.That(IsBelow(publish!, dispensingConsumer!, spans), Is.True, "the publish continues the consumer that wrote the event:\n" + describe);
            Assert.That(IsBelow(notebookConsumer!, publish!, spans), Is.True, "the notebook consumer runs under the publish:\n" + describe);
        });
    }

    [Test]
    public async Task Should_name_the_trace_of_the_request_in_its_problem_document()
    {
        var slip = await RegisterVisitAsync();
        using var refused = await Api.PostAsync($"/v1/prescriptions/{slip.Id}/receive", Pharmacy, JsonContent.Create(new { exchangeCode = "000000" }));
        var problem = await ExpectProblemAsync(refused, HttpStatusCode.NotFound, "PRESCRIPTION_NOT_FOUND");

        var traceId = problem.GetProperty("traceId").GetString();
        Assert.That(traceId, Does.Match("^[0-9a-f]{32}$"), "a W3C trace id");
        Assert.That(Spans().Where(s => s.Kind == ActivityKind.Server && s.TraceId.ToHexString() == traceId)
            .Select(s => s.GetTagItem("http.route")), Has.Member("/v1/prescriptions/{id}/receive"));
    }

    private List<Activity> Spans() => [.. _spans];

    /// <summary>MassTransit's span of the consumer class <paramref name="consumer"/> handling a message of the trace.</summary>
    private Activity? Consumer(ActivityTraceId trace, string consumer) =>
        Spans().SingleOrDefault(s => s.TraceId == trace && s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer
            && s.GetTagItem("messaging.masstransit.consumer_type") is string type && type.EndsWith("." + consumer, StringComparison.Ordinal));

    private static bool IsBelow(Activity span, Activity ancestor, IReadOnlyList<Activity> trace)
    {
        var byId = trace.ToDictionary(s => s.SpanId);
        for (var parent = span.ParentSpanId; byId.TryGetValue(parent, out var next); parent = next.ParentSpanId)
            if (next.SpanId == ancestor.SpanId) return true;
        return false;
    }

    private static string Describe(Activity s) =>
        $"{s.Source.Name} {s.Kind} '{s.DisplayName}' span {s.SpanId} parent {s.ParentSpanId} [{string.Join(", ", s.TagObjects.Select(t => $"{t.Key}={t.Value}"))}]";

    /// <summary>The spans the in-memory exporter keeps, readable while the service adds more.</summary>
    private sealed class ExportedSpans : ICollection<Activity>
    {
        private readonly ConcurrentQueue<Activity> _spans = new();

        public int Count => _spans.Count;
        public bool IsReadOnly => false;
        public void Add(Activity item) => _spans.Enqueue(item);
        public void Clear() => _spans.Clear();
        public bool Contains(Activity item) => _spans.Contains(item);
        public void CopyTo(Activity[] array, int arrayIndex) => _spans.CopyTo(array, arrayIndex);
        public bool Remove(Activity item) => throw new NotSupportedException();
        public IEnumerator<Activity> GetEnumerator() => _spans.GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
