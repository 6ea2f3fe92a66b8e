using System.Data.Common;
using BenchmarkDotNet.Attributes;
using Dapper;
using EPrescription.Server.MedicationChecks;
using EPrescription.Server.Storage;
using EPrescription.Server.Time;
using Npgsql;

namespace EPrescription.Benchmarks;

/// <summary>
/// One duplicate-medication check (SPEC §10, target: well under 10 ms at the server) of a 10-drug prescription for a patient
/// with five years of history: 2,500 dispensings of 4–6 drugs each, every one with the lines of the prescription it came from
/// (ended), beside 300 other patients. SQLite always; PostgreSQL when EPRX_BENCH_POSTGRES holds a connection string to a
/// database the benchmark may write (it adds and removes only patients named bench-*), or EPRX_TEST_POSTGRES reaches a server
/// where it may create the database eprx_bench_medications.
/// <c>dotnet run -c Release --project bench/EPrescription.Benchmarks -- --filter '*MedicationCheck*' [--job short]</c>
/// </summary>
[MemoryDiagnoser]
public class MedicationCheckBenchmarks
{
    private const string Patient = "bench-patient";
    private const int Dispensings = 2_500;
    private const int OtherPatients = 300;
    private const int LinesPerOtherPatient = 60;

    private static readonly string[] Institutions = ["1311234567", "1317654321", "1310000011", "1330000022", "1312222222", "1313333333"];

    private Database _database = null!;
    private MedicationStore _store = null!;
    private DbConnection _connection = null!;
    private IReadOnlyList<CheckedDrug> _checked = [];
    private string? _sqliteFile;

    [ParamsSource(nameof(Providers))]
    public DatabaseProvider Provider { get; set; }

    public static IEnumerable<DatabaseProvider> Providers =>
        PostgresConnection() is null ? [DatabaseProvider.Sqlite] : [DatabaseProvider.Sqlite, DatabaseProvider.PostgreSql];

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [Benchmark(Description = "FindDuplicatesAsync, open connection")]
    public async Task<int> Check() =>
        (await _store.FindDuplicatesAsync(_connection, null, Patient, _checked, "bench-rx-new", MedicationConsent.Card, Institutions[0])).Count;

    [Benchmark(Description = "open a pooled connection + FindDuplicatesAsync")]
    public async Task<int> OpenAndCheck()
    {
        await using var connection = await _database.OpenAsync();
        return (await _store.FindDuplicatesAsync(connection, null, Patient, _checked, "bench-rx-new", MedicationConsent.Card, Institutions[0])).Count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        if (Provider == DatabaseProvider.PostgreSql)
        {
            using var connection = _database.OpenAsync().GetAwaiter().GetResult();
            connection.Execute("DELETE FROM medications WHERE patient_key LIKE 'bench-%'");
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_sqliteFile is not null) foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(_sqliteFile + suffix);
    }

    private async Task SetupAsync()
    {
        if (Provider == DatabaseProvider.Sqlite)
        {
            _sqliteFile = Path.Combine(Path.GetTempPath(), $"eprx-bench-medications-{Environment.ProcessId}.db");
            _database = new Database(DatabaseProvider.Sqlite, $"Data Source={_sqliteFile}");
        }
        else
        {
            _database = new Database(DatabaseProvider.PostgreSql, PostgresConnection()!);
        }
        await new Migrator(_database).MigrateAsync();
        _store = new MedicationStore(TimeProvider.System);
        var today = JapanTime.Today(TimeProvider.System);
        await using (var connection = await _database.OpenAsync())
        {
            await connection.ExecuteAsync("DELETE FROM medications WHERE patient_key LIKE 'bench-%'");
        }

        var random = new Random(42);
        var ingredients = Enumerable.Range(0, 80).Select(i => $"{1100 + i * 13:D4}{100 + i * 7:D3}").ToArray();
        var batch = new List<(string Patient, IReadOnlyList<MedicationLine> Lines, string? End)>();
        for (var n = 0; n < Dispensings; n++)
        {
            var dispensedOn = today.AddDays(-random.Next(0, 5 * 365));
            var rxId = $"bench-rx-{n}";
            var drugs = Drugs(random, ingredients, random.Next(4, 7));
            batch.Add((Patient, Lines(MedicationSource.Prescription, rxId, rxId, drugs, dispensedOn, _ => dispensedOn.AddDays(3), random), rxId));
            batch.Add((Patient, Lines(MedicationSource.Dispensing, $"bench-dsp-{n}", rxId, drugs, dispensedOn,
                route => route == MedicationRoute.Internal ? dispensedOn.AddDays(random.Next(1, 5) * 14 - 1) : dispensedOn.AddDays(3), random), null));
        }
        // Two prescriptions registered and not yet dispensed: they count until they expire.
        for (var n = 0; n < 2; n++)
        {
            var rxId = $"bench-rx-open-{n}";
            batch.Add((Patient, Lines(MedicationSource.Prescription, rxId, rxId, Drugs(random, ingredients, 5), today, _ => today.AddDays(3), random), null));
        }
        for (var p = 0; p < OtherPatients; p++)
        {
            var rxId = $"bench-rx-other-{p}";
            batch.Add(($"bench-other-{p}", Lines(MedicationSource.Dispensing, $"bench-dsp-other-{p}", rxId, Drugs(random, ingredients, LinesPerOtherPatient),
                today.AddDays(-random.Next(0, 30)), _ => today.AddDays(random.Next(0, 60)), random), null));
        }
        foreach (var chunk in batch.Chunk(200))
        {
            await _database.InTransactionAsync(async (c, t) =>
            {
                foreach (var (patient, lines, end) in chunk)
                {
                    await _store.AddAsync(c, t, patient, lines);
                    if (end is not null) await _store.EndPrescriptionAsync(c, t, end);
                }
            });
        }

        // The checked prescription: 7 internal, 2 as-needed, 1 external drug, from the same pool, so some are duplicates.
        _checked = [.. Enumerable.Range(0, 10).Select(i => new CheckedDrug(i / 4 + 1, i % 4 + 1, new Ingredient(ingredients[i * 7], null, $"薬品{i}"),
            i < 7 ? MedicationRoute.Internal : i < 9 ? MedicationRoute.AsNeeded : MedicationRoute.External))];
        _connection = await _database.OpenAsync();
        var counting = await _connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM medications WHERE patient_key = @Patient AND taking_until >= @today AND ended_at IS NULL", new { Patient, today });
        var patientRows = await _connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM medications WHERE patient_key = @Patient", new { Patient });
        var all = await _connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM medications");
        var found = await Check();
        Console.WriteLine($"// {Provider}: {patientRows} lines of the patient ({counting} counting today), {all} lines in all; the check finds {found} duplicates");
    }

    private static List<(Ingredient Ingredient, MedicationRoute Route)> Drugs(Random random, string[] ingredients, int count) =>
        [.. Enumerable.Range(0, count).Select(_ =>
        {
            var roll = random.Next(100);
            var route = roll < 70 ? MedicationRoute.Internal : roll < 85 ? MedicationRoute.AsNeeded : MedicationRoute.External;
            var ingredient = ingredients[random.Next(ingredients.Length)];
            return (new Ingredient(ingredient, random.Next(3) == 0 ? new ProductCode(ProductCodeKind.Receipt, "62" + ingredient) : null, $"薬品{ingredient}"), route);
        })];

    private static List<MedicationLine> Lines(MedicationSource source, string sourceId, string prescriptionId,
        List<(Ingredient Ingredient, MedicationRoute Route)> drugs, DateOnly on, Func<MedicationRoute, DateOnly> until, Random random) =>
        [.. drugs.Select((d, i) => new MedicationLine
        {
            Source = source,
            SourceId = sourceId,
            LineNumber = i + 1,
            PrescriptionId = prescriptionId,
            Rp = i / 3 + 1,
            Drug = i % 3 + 1,
            Ingredient = d.Ingredient,
            Route = d.Route,
            TakingFrom = on,
            TakingUntil = until(d.Route),
            Date = on,
            DrugName = d.Ingredient.NameKey,
            DrugCode = d.Ingredient.Product?.Code ?? d.Ingredient.IngredientCode + "F1ZZZ",
            Institution = new MedicationInstitution(Institutions[random.Next(Institutions.Length)], "医療法人見本会　みほんクリニック"),
            Pharmacy = source == MedicationSource.Dispensing ? new MedicationInstitution("1341234567", "みほん薬局　本町店") : null,
        })];

    /// <summary>EPRX_BENCH_POSTGRES as given, or a database of the benchmark's own on the EPRX_TEST_POSTGRES server; null when neither is set.</summary>
    private static string? PostgresConnection()
    {
        var given = Environment.GetEnvironmentVariable("EPRX_BENCH_POSTGRES");
        if (!string.IsNullOrWhiteSpace(given)) return given;
        var server = Environment.GetEnvironmentVariable("EPRX_TEST_POSTGRES");
        if (string.IsNullOrWhiteSpace(server)) return null;
        var builder = new NpgsqlConnectionStringBuilder(server);
        const string name = "eprx_bench_medications";
        using (var connection = new NpgsqlConnection(builder.ConnectionString))
        {
            connection.Open();
            if (connection.ExecuteScalar("SELECT 1 FROM pg_database WHERE datname = @name", new { name }) is null)
                connection.Execute($"CREATE DATABASE {name}");
        }
        builder.Database = name;
        return builder.ConnectionString;
    }
}
