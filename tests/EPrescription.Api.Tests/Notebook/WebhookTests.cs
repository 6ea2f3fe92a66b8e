using System.Text.Json;
using EPrescription.NotebookSync.Webhooks;
using EPrescription.Server.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static EPrescription.Api.Tests.Notebook.WebhookReceiver.Behaviour;

namespace EPrescription.Api.Tests.Notebook;

/// <summary>
/// An app with a webhook gets each record POSTed, signed with its secret, at least once, in order per patient — through its
/// endpoint failing and timing out — and records that fail every attempt are parked for the operator, never dropped.
/// The service retries after 0.1 s doubling to 0.5 s and gives an answer 1 s (the fixture's settings).
/// </summary>
[TestFixtureSource(typeof(ApiFixture), nameof(ApiFixture.Providers))]
public sealed class WebhookTests(DatabaseProvider provider) : NotebookScenario(provider)
{
    [Test]
    public async Task Should_post_the_record_signed_with_the_app_secret_and_the_record_id_as_delivery_id()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var (app, secret) = await AddNotebookAppAsync("Notebook with a webhook", receiver.Url);
        var slip = await RegisterVisitAsync();
        await LinkAsync(slip, app);

        await DispenseAsync(slip);
        var record = (await FeedWhenAsync(1, app))[0];
        await EventuallyAsync(() => Task.FromResult(receiver.Accepted.Count == 1), "the webhook got the record");

        var delivery = receiver.Deliveries.Single();
        var posted = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(delivery.Signature, Does.Match("^sha256=[0-9a-f]{64}$"));
            Assert.That(WebhookSignature.Verify(secret!, delivery.Body, delivery.Signature), Is.True, "the signature verifies with the app's secret");
            Assert.That(WebhookSignature.Verify("another secret", delivery.Body, delivery.Signature), Is.False);
            Assert.That(delivery.DeliveryId, Is.EqualTo(record.GetProperty("id").GetString()));
            Assert.That(delivery.Attempt, Is.EqualTo("1"));
            Assert.That(delivery.ContentType, Does.StartWith("application/json"));
            Assert.That(posted.GetProperty("id").GetString(), Is.EqualTo(record.GetProperty("id").GetString()));
            Assert.That(posted.GetProperty("linkId").GetString(), Is.EqualTo(record.GetProperty("linkId").GetString()));
            Assert.That(posted.GetProperty("document").GetString(), Is.EqualTo(record.GetProperty("document").GetString()));
        });
    }

    [Test]
    public async Task Should_deliver_every_record_in_order_through_errors_and_timeouts()
    {
        // 500 three times, then two answers too late, then 200: the first record needs six attempts, the others wait behind it.
        await using var receiver = await WebhookReceiver.StartAsync(n => n <= 3 ? Answer500 : n <= 5 ? AnswerTooLate : Answer200);
        var (app, secret) = await AddNotebookAppAsync("Notebook with a flaky webhook", receiver.Url);
        var visits = new List<Slip>();
        for (var visit = 1; visit <= 3; visit++) visits.Add(await RegisterVisitAsync(visit));
        await LinkAsync(visits[0], app);

        foreach (var slip in visits)
        {
            await DispenseAsync(slip);
            await FeedWhenAsync(visits.IndexOf(slip) + 1, app); // one dispensing after the other, as a patient's visits come
        }
        var records = Ids(await FeedAsync(app)).ToList();
        await EventuallyAsync(() => Task.FromResult(receiver.Accepted.Select(d => d.DeliveryId).Distinct().Count() == 3),
            "the webhook accepted every record", TimeSpan.FromSeconds(60));

        var arrivals = receiver.Deliveries;
        Assert.Multiple(() =>
        {
            Assert.That(arrivals.Take(6).Select(d => d.DeliveryId), Is.All.EqualTo(records[0]), "the first record is retried, with its id");
            Assert.That(arrivals.Take(6).Select(d => d.Attempt), Is.EqualTo(new[] { "1", "2", "3", "4", "5", "6" }));
            Assert.That(arrivals.Select(d => records.IndexOf(d.DeliveryId!)), Is.Ordered, "per-patient order: never a later record before an earlier one");
            Assert.That(receiver.Accepted.Select(d => d.DeliveryId), Is.EqualTo(records), "each accepted once, in the feed's order");
            foreach (var group in arrivals.GroupBy(d => d.DeliveryId))
            {
                Assert.That(group.Select(d => Convert.ToBase64String(d.Body)).Distinct().Count(), Is.EqualTo(1), $"a redelivery of {group.Key} is the same record");
                Assert.That(group.All(d => WebhookSignature.Verify(secret!, d.Body, d.Signature)), Is.True);
            }
        });
    }

    [Test]
    public async Task Should_park_a_delivery_after_the_last_attempt_and_send_it_again_when_the_operator_retries()
    {
        var options = Api.App.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        var maxAttempts = options.MaxAttempts;
        options.MaxAttempts = 3;
        try
        {
            var failing = true;
            await using var receiver = await WebhookReceiver.StartAsync(_ => Volatile.Read(ref failing) ? Answer500 : Answer200);
            var (app, _) = await AddNotebookAppAsync("Notebook with a broken webhook", receiver.Url);
            var slip = await RegisterVisitAsync();
            await LinkAsync(slip, app);
            await DispenseAsync(slip);
            var record = (await FeedWhenAsync(1, app))[0].GetProperty("id").GetString()!;
            var deliveries = new Deliveries(Api.Database);

            await EventuallyAsync(async () => (await deliveries.ParkedAsync()).Count == 1, "the delivery is parked");
            var parked = (await deliveries.ParkedAsync()).Single();
            await Task.Delay(500); // long enough for a fourth attempt, were one made
            Assert.Multiple(() =>
            {
                Assert.That(parked.RecordId, Is.EqualTo(record));
                Assert.That(parked.AppClientId, Is.EqualTo(app.Id));
                Assert.That(parked.AppName, Is.EqualTo("Notebook with a broken webhook"));
                Assert.That(parked.WebhookUrl, Is.EqualTo(receiver.Url));
                Assert.That(parked.Attempts, Is.EqualTo(3));
                Assert.That(parked.LastError, Is.EqualTo("HTTP 500"));
                Assert.That(parked.ParkedAt, Is.Not.Null);
                Assert.That(receiver.Deliveries, Has.Count.EqualTo(3), "no attempt after the last");
            });

            Volatile.Write(ref failing, false);
            Assert.That(await deliveries.RetryAsync(record, Api.Clock.GetUtcNow().UtcDateTime), Is.EqualTo(1));
            await EventuallyAsync(() => Task.FromResult(receiver.Accepted.Count == 1), "the retried delivery arrives");
            // The receiver records a POST before answering it; the service marks it delivered once the answer is in.
            await EventuallyAsync(async () => await Api.CountAsync("webhook_deliveries", "status = 'delivered'") == 1, "the delivery is marked delivered");

            Assert.Multiple(async () =>
            {
                Assert.That(receiver.Accepted.Single().DeliveryId, Is.EqualTo(record));
                Assert.That(await deliveries.ParkedAsync(), Is.Empty);
            });
        }
        finally
        {
            options.MaxAttempts = maxAttempts;
        }
    }

    [Test]
    public async Task Should_keep_later_records_of_the_patient_behind_a_parked_one_and_deliver_all_after_retry_all()
    {
        var options = Api.App.Services.GetRequiredService<IOptions<WebhookOptions>>().Value;
        var maxAttempts = options.MaxAttempts;
        options.MaxAttempts = 2;
        try
        {
            var failing = true;
            await using var receiver = await WebhookReceiver.StartAsync(_ => Volatile.Read(ref failing) ? Answer500 : Answer200);
            var (app, _) = await AddNotebookAppAsync("Notebook with a broken webhook", receiver.Url);
            var first = await RegisterVisitAsync(1);
            var second = await RegisterVisitAsync(2);
            await LinkAsync(first, app);
            await DispenseAsync(first);
            await FeedWhenAsync(1, app);
            var deliveries = new Deliveries(Api.Database);
            await EventuallyAsync(async () => (await deliveries.ParkedAsync()).Count == 1, "the first delivery is parked");

            await DispenseAsync(second);
            var records = Ids(await FeedWhenAsync(2, app));
            await Task.Delay(500);
            Assert.That(receiver.Deliveries.Select(d => d.DeliveryId).Distinct(), Is.EqualTo(new[] { records[0] }),
                "the second record waits behind the parked first");

            Volatile.Write(ref failing, false);
            Assert.That(await deliveries.RetryAsync(null, Api.Clock.GetUtcNow().UtcDateTime), Is.EqualTo(1));
            await EventuallyAsync(() => Task.FromResult(receiver.Accepted.Count == 2), "both records arrive");

            Assert.That(receiver.Accepted.Select(d => d.DeliveryId), Is.EqualTo(records));
        }
        finally
        {
            options.MaxAttempts = maxAttempts;
        }
    }
}
