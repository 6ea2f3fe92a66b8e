using EPrescription.Server.Storage;

namespace EPrescription.LoadGenerator.Floor;

internal sealed record FloorOptions(DatabaseProvider Provider, string? ConnectionString, int Clients, TimeSpan Duration, TimeSpan Warmup,
    int? Pool, string Certs, string? JsonFile);

/// <summary>The fresh database a floor runs on: the PostgreSQL database given, or a temporary SQLite file removed afterwards.</summary>
internal static class FloorDatabase
{
    public static (string ConnectionString, string? SqliteFolder) ConnectionString(FloorOptions options)
    {
        if (options.ConnectionString is { } given) return (given, null);
        if (options.Provider != DatabaseProvider.Sqlite)
            throw new ArgumentException("A floor on PostgreSQL needs --connection with a fresh (empty) database.");
        var folder = Path.Combine(Path.GetTempPath(), $"eprx-floor-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return ($"Data Source={Path.Combine(folder, "floor.db")}", folder);
    }

    public static void Remove(string? sqliteFolder)
    {
        if (sqliteFolder is null) return;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(sqliteFolder, recursive: true);
    }
}
