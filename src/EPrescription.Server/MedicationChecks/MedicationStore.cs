using System.Data.Common;
using Dapper;
using EPrescription.Server.Storage;
using EPrescription.Server.Time;

namespace EPrescription.Server.MedicationChecks;

/// <summary>
/// The medications table: one row per drug line of every registered prescription and every recorded dispensing of a patient,
/// so the duplicate-medication check is one indexed query (patient_key, taking_until) and matching in memory.
/// <para>
/// Call sites: <see cref="AddAsync"/> with <see cref="MedicationLines.FromPrescription"/> in the registration's transaction,
/// and with <see cref="MedicationLines.FromDispensing"/> in the dispensing's (each part and each refill use: every dispensing
/// counts from its own date). <see cref="EndPrescriptionAsync"/> in the same transactions that cancel a prescription, record
/// its final dispensing (not a part) or any dispensing of a refill prescription (the next use counts from its own
/// dispensing). Expiry needs no call: a prescription's lines count only through its last valid date.
/// </para>
/// </summary>
public sealed class MedicationStore(TimeProvider time)
{
    static MedicationStore() => TypeHandlers.Register();

    /// <summary>Today in Japan, the day the patient's history is judged by.</summary>
    public DateOnly Today => JapanTime.Today(time);

    /// <summary>Stores the lines of one prescription or dispensing for the patient, in the caller's transaction.</summary>
    public async Task AddAsync(DbConnection connection, DbTransaction transaction, string patientKey, IReadOnlyList<MedicationLine> lines,
        CancellationToken cancellationToken = default)
    {
        if (lines.Count == 0) return;
        await connection.ExecuteAsync(new CommandDefinition(InsertLine, Rows(patientKey, lines), transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The same, as statements of the change's <see cref="WriteBatch"/> (one round trip with the rest of the change).</summary>
    public void Add(WriteBatch batch, string patientKey, IReadOnlyList<MedicationLine> lines)
    {
        foreach (var row in Rows(patientKey, lines)) batch.Add(InsertLine, row);
    }

    /// <summary><see cref="EndPrescriptionAsync"/> as a statement of the change's <see cref="WriteBatch"/>.</summary>
    public void EndPrescription(WriteBatch batch, string prescriptionId) =>
        batch.Add(EndLines, new { prescriptionId, now = time.GetUtcNow().UtcDateTime }, rows: null);

    private const string EndLines =
        "UPDATE medications SET ended_at = @now WHERE source_kind = 'prescription' AND source_id = @prescriptionId AND ended_at IS NULL";

    private const string InsertLine =
        """
        INSERT INTO medications (source_kind, source_id, line_no, patient_key, prescription_id, rp, drug, ingredient_code, product_kind,
            product_code, name_key, route, taking_from, taking_until, drug_name, drug_code, institution_code, institution_name, pharmacy_code,
            pharmacy_name, dated_on, recorded_at)
        VALUES (@sourceKind, @sourceId, @lineNo, @patientKey, @prescriptionId, @rp, @drug, @ingredientCode, @productKind,
            @productCode, @nameKey, @route, @takingFrom, @takingUntil, @drugName, @drugCode, @institutionCode, @institutionName, @pharmacyCode,
            @pharmacyName, @datedOn, @now)
        """;

    private IEnumerable<object> Rows(string patientKey, IReadOnlyList<MedicationLine> lines)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return lines.Select(l => new
        {
            sourceKind = SourceName(l.Source), sourceId = l.SourceId, lineNo = l.LineNumber, patientKey, prescriptionId = l.PrescriptionId,
            rp = l.Rp, drug = l.Drug, ingredientCode = l.Ingredient.IngredientCode, productKind = ProductKindName(l.Ingredient.Product?.Kind),
            productCode = l.Ingredient.Product?.Code, nameKey = l.Ingredient.NameKey,
            route = l.Route.Name(), takingFrom = l.TakingFrom, takingUntil = l.TakingUntil, drugName = l.DrugName, drugCode = l.DrugCode,
            institutionCode = l.Institution?.Code, institutionName = l.Institution?.Name, pharmacyCode = l.Pharmacy?.Code,
            pharmacyName = l.Pharmacy?.Name, datedOn = l.Date, now,
        });
    }

    /// <summary>
    /// The prescription's own lines stop counting (it was dispensed, or cancelled); lines of its dispensings are not touched.
    /// Returns how many lines ended; ending twice changes nothing.
    /// </summary>
    public Task<int> EndPrescriptionAsync(DbConnection connection, DbTransaction transaction, string prescriptionId,
        CancellationToken cancellationToken = default) =>
        connection.ExecuteAsync(new CommandDefinition(EndLines, new { prescriptionId, now = time.GetUtcNow().UtcDateTime }, transaction,
            cancellationToken: cancellationToken));

    /// <summary>
    /// The drugs of a registered prescription as a check sees them, from its stored lines (ended or not): what a pharmacy's
    /// check of a held prescription needs, without parsing the stored document.
    /// </summary>
    public async Task<IReadOnlyList<CheckedDrug>> DrugsOfPrescriptionAsync(DbConnection connection, DbTransaction? transaction, string prescriptionId,
        CancellationToken cancellationToken = default)
    {
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM medications WHERE source_kind = 'prescription' AND source_id = @prescriptionId ORDER BY line_no",
            new { prescriptionId }, transaction, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToLine().ToChecked())];
    }

    /// <summary>
    /// The duplicates of <paramref name="drugs"/> among what the patient takes today (Japan date), as
    /// <see cref="DuplicateCheck.Find"/> decides; one indexed query for the patient's lines still counting.
    /// </summary>
    /// <param name="excludePrescriptionId">The prescription being checked (its id as stored), or null for a document not registered yet.</param>
    /// <param name="checkedInstitutionCode">The 10-digit code of the institution that issued the checked prescription.</param>
    public async Task<IReadOnlyList<DuplicateMedication>> FindDuplicatesAsync(
        DbConnection connection,
        DbTransaction? transaction,
        string patientKey,
        IReadOnlyList<CheckedDrug> drugs,
        string? excludePrescriptionId,
        MedicationConsent consent,
        string? checkedInstitutionCode,
        CancellationToken cancellationToken = default)
    {
        if (drugs.Count == 0) return [];
        var today = Today;
        // Prescription ids are never empty, so "" excludes nothing (a null parameter has no type PostgreSQL could infer).
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM medications
            WHERE patient_key = @patientKey AND taking_until >= @today AND ended_at IS NULL AND prescription_id <> @exclude
            """,
            new { patientKey, today, exclude = excludePrescriptionId ?? "" }, transaction, cancellationToken: cancellationToken));
        return DuplicateCheck.Find(drugs, rows.Select(r => r.ToLine()), today, excludePrescriptionId, consent, checkedInstitutionCode);
    }

    private const string Columns =
        """
        source_kind AS SourceKind, source_id AS SourceId, line_no AS LineNo, prescription_id AS PrescriptionId, rp AS Rp, drug AS Drug,
        ingredient_code AS IngredientCode, product_kind AS ProductKind, product_code AS ProductCode, name_key AS NameKey, route AS Route, taking_from AS TakingFrom,
        taking_until AS TakingUntil, drug_name AS DrugName, drug_code AS DrugCode, institution_code AS InstitutionCode,
        institution_name AS InstitutionName, pharmacy_code AS PharmacyCode, pharmacy_name AS PharmacyName, dated_on AS DatedOn,
        ended_at AS EndedAt
        """;

    private static string SourceName(MedicationSource source) => source == MedicationSource.Dispensing ? "dispensing" : "prescription";

    private static string? ProductKindName(ProductCodeKind? kind) => kind switch
    {
        ProductCodeKind.Receipt => "receipt",
        ProductCodeKind.Hot => "hot",
        _ => null,
    };

    private static ProductCode? ParseProduct(string? kind, string? code) => (kind, code) switch
    {
        (null, _) or (_, null) => null,
        ("receipt", { } receipt) => new ProductCode(ProductCodeKind.Receipt, receipt),
        ("hot", { } hot) => new ProductCode(ProductCodeKind.Hot, hot),
        _ => throw new InvalidOperationException($"Unknown product code kind '{kind}' in the medications table."),
    };

    private sealed class Row
    {
        public string SourceKind { get; set; } = "";
        public string SourceId { get; set; } = "";
        public int LineNo { get; set; }
        public string PrescriptionId { get; set; } = "";
        public int Rp { get; set; }
        public int Drug { get; set; }
        public string? IngredientCode { get; set; }
        public string? ProductKind { get; set; }
        public string? ProductCode { get; set; }
        public string? NameKey { get; set; }
        public string Route { get; set; } = "";
        public DateOnly TakingFrom { get; set; }
        public DateOnly TakingUntil { get; set; }
        public string? DrugName { get; set; }
        public string? DrugCode { get; set; }
        public string? InstitutionCode { get; set; }
        public string? InstitutionName { get; set; }
        public string? PharmacyCode { get; set; }
        public string? PharmacyName { get; set; }
        public DateOnly DatedOn { get; set; }
        public DateTime? EndedAt { get; set; }

        public MedicationLine ToLine() => new()
        {
            Source = SourceKind == "dispensing" ? MedicationSource.Dispensing : MedicationSource.Prescription,
            SourceId = SourceId,
            LineNumber = LineNo,
            PrescriptionId = PrescriptionId,
            Rp = Rp,
            Drug = Drug,
            Ingredient = new Ingredient(IngredientCode, ParseProduct(ProductKind, ProductCode), NameKey),
            Route = MedicationRoutes.Parse(Route),
            TakingFrom = TakingFrom,
            TakingUntil = TakingUntil,
            Date = DatedOn,
            DrugName = DrugName,
            DrugCode = DrugCode,
            Institution = InstitutionCode is null && InstitutionName is null ? null : new MedicationInstitution(InstitutionCode, InstitutionName),
            Pharmacy = PharmacyCode is null && PharmacyName is null ? null : new MedicationInstitution(PharmacyCode, PharmacyName),
            EndedAt = EndedAt,
        };
    }
}
