using System.Collections.Concurrent;
using EPrescription.NotebookSync.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EPrescription.Api.Tests.Notebook;

/// <summary>
/// A notebook app's webhook endpoint, in the test process: Kestrel on a free loopback port, recording every POST it gets and
/// answering as the scenario says — 200, 500, or too slowly (it waits longer than the service's timeout before answering).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public enum Behaviour { Answer200, Answer500, AnswerTooLate }

    /// <summary>One POST as it arrived: the exact body bytes, the headers that matter, and what the receiver answered.</summary>
    public sealed record Delivery(byte[] Body, string? Signature, string? DeliveryId, string? Attempt, string? ContentType, Behaviour Answer);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly Func<int, Behaviour> _behaviour;
    private int _count;

    private WebhookReceiver(WebApplication app, Func<int, Behaviour> behaviour)
    {
        _app = app;
        _behaviour = behaviour;
    }

    /// <summary>Every POST received so far, in order of arrival.</summary>
    public IReadOnlyList<Delivery> Deliveries => [.. _deliveries];

    /// <summary>The deliveries it answered 200 to in time.</summary>
    public IReadOnlyList<Delivery> Accepted => Deliveries.Where(d => d.Answer == Behaviour.Answer200).ToList();

    public string Url { get; private set; } = "";

    /// <summary>How long a too-late answer waits: longer than the service's webhook timeout (1 s in the tests).</summary>
    public static TimeSpan TooLate { get; } = TimeSpan.FromSeconds(3);

    /// <summary>Starts a receiver; <paramref name="behaviour"/> says how to answer the n-th POST (1-based).</summary>
    public static async Task<WebhookReceiver> StartAsync(Func<int, Behaviour>? behaviour = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, behaviour ?? (_ => Behaviour.Answer200));
        app.MapPost("/hook", (Delegate)receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = app.Urls.First() + "/hook";
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        var answer = _behaviour(Interlocked.Increment(ref _count));
        _deliveries.Enqueue(new Delivery(body.ToArray(), http.Request.Headers[WebhookSignature.Header], http.Request.Headers[WebhookSignature.DeliveryHeader],
            http.Request.Headers[WebhookSignature.AttemptHeader], http.Request.ContentType, answer));
        switch (answer)
        {
            case Behaviour.Answer500:
                return Results.StatusCode(500);
            case Behaviour.AnswerTooLate:
                try
                {
                    await Task.Delay(TooLate, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The service gave up waiting, as it should.
                }
                return Results.Ok();
            default:
                return Results.Ok();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
