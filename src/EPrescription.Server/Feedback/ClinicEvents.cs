using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using EPrescription.Contracts;

namespace EPrescription.Server.Feedback;

/// <summary>
/// The clinic event feed's writer (SPEC §11): what becomes of a clinic's prescriptions, fed from the events the server already
/// publishes. <see cref="Outbox.OutboxWriter"/> appends the clinic event in the same transaction as the outbox row, so the
/// feed has an event exactly when the change it tells of committed. The issuing clinic is looked up in the same statement.
/// <para>
/// Order: the feed is ordered below the commit horizon (<see cref="Feeds.CommitHorizon"/>). Events of one prescription come in
/// the order they happened because each is written by a transaction that first changes the prescription's row (guarded by its
/// row version): a later change waits for the earlier one to commit and only then writes, so on PostgreSQL it gets the larger
/// transaction id, on SQL Server the larger row version, on SQLite the larger sequence.
/// </para>
/// </summary>
public static class ClinicEvents
{
    /// <summary>The event types of the feed, as clients see them.</summary>
    public static class Types
    {
        /// <summary>A pharmacy received the prescription (受付, 調剤中).</summary>
        public const string Received = "received";

        /// <summary>The holding pharmacy gave it back; it is registered again.</summary>
        public const string Returned = "returned";

        /// <summary>A dispensing (each part too) was recorded, with the pharmacy's important flag (重要情報) and note.</summary>
        public const string Dispensed = "dispensed";

        /// <summary>The clinic cancelled it (取消).</summary>
        public const string Cancelled = "cancelled";

        /// <summary>A refill's next use may be received from today (its window opened).</summary>
        public const string RefillDue = "refill-due";

        /// <summary>It passed its last valid date before it was dispensed.</summary>
        public const string Expired = "expired";
    }

    /// <summary>
    /// The clinic event an outbox event stands for, or null when the clinic is not told of it (its own registration). The one
    /// place where a prescription event maps to a clinic event: a new event type (refills' "refill-due", issue #13) gets its
    /// line here.
    /// </summary>
    internal static ClinicEvent? From(object message) => message switch
    {
        PrescriptionReceived e => new(e.PrescriptionId, Types.Received, e.ReceivedAt, e.PharmacyClientId, Payload.None),
        PrescriptionReturned e => new(e.PrescriptionId, Types.Returned, e.ReturnedAt, e.PharmacyClientId, Payload.None),
        DispensingRecorded e => new(e.PrescriptionId, Types.Dispensed, e.RecordedAt, e.PharmacyClientId,
            new Payload { DispensingId = e.DispensingId, DispensedOn = e.DispensedOn, Part = e.Part, Important = e.Important, NoteToPrescriber = e.NoteToPrescriber }),
        PrescriptionCancelled e => new(e.PrescriptionId, Types.Cancelled, e.CancelledAt, null, Payload.None),
        PrescriptionExpired e => new(e.PrescriptionId, Types.Expired, e.ExpiredAt, null, new Payload { ExpiresOn = e.ExpiresOn }),
        RefillDue e => new(e.PrescriptionId, Types.RefillDue, e.At, null,
            new Payload { Use = e.Use, NextDueOn = e.NextDueOn, Window = new Prescriptions.RefillWindow(e.WindowFrom, e.WindowTo) }),
        _ => null,
    };

    /// <summary>
    /// Appends the event to the feed of the prescription's issuing clinic; parameters from <see cref="ClinicEvent.AddTo"/>.
    /// Written after the outbox row, in the same command.
    /// </summary>
    internal const string Insert =
        """
        INSERT INTO clinic_events (id, clinic_client_id, prescription_id, type, at, pharmacy_client_id, payload)
        SELECT @clinicEventId, clinic_client_id, id, @clinicEventType, @clinicEventAt, @clinicEventPharmacy, @clinicEventPayload
        FROM prescriptions WHERE id = @clinicEventPrescription
        """;

    /// <summary>
    /// What an event adds beside its type, prescription, time and pharmacy, stored as JSON: only the members its type has
    /// (<see cref="ClinicFeed.Event"/> shows them).
    /// </summary>
    internal sealed record Payload
    {
        public static readonly Payload None = new();

        public string? DispensingId { get; init; }
        public DateOnly? DispensedOn { get; init; }
        public bool? Part { get; init; }
        public bool? Important { get; init; }
        public string? NoteToPrescriber { get; init; }
        public DateOnly? ExpiresOn { get; init; }
        public int? Use { get; init; }
        public DateOnly? NextDueOn { get; init; }
        public Prescriptions.RefillWindow? Window { get; init; }

        internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    }

    /// <param name="PrescriptionId">As the event carries it: the public (hyphenated) prescription ID.</param>
    internal sealed record ClinicEvent(string PrescriptionId, string Type, DateTime At, string? PharmacyClientId, Payload Payload)
    {
        /// <summary>The parameters of <see cref="Insert"/>; the event's id is derived from the outbox message's, so it is stable.</summary>
        public void AddTo(DynamicParameters parameters, Guid messageId) => parameters.AddDynamicParams(Row(messageId));

        /// <summary>The parameters of <see cref="Insert"/>, named apart from the outbox row's.</summary>
        public object Row(Guid messageId) => new
        {
            clinicEventId = "cev_" + messageId.ToString("N"),
            clinicEventType = Type,
            clinicEventAt = At,
            clinicEventPharmacy = PharmacyClientId,
            clinicEventPayload = JsonSerializer.Serialize(Payload, Payload.Json),
            clinicEventPrescription = Prescriptions.PrescriptionId.Parse(PrescriptionId).Value,
        };
    }
}
