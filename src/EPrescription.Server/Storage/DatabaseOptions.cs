namespace EPrescription.Server.Storage;

/// <summary>Which database the server keeps its state in.</summary>
public enum DatabaseProvider
{
    /// <summary>The embedded default: one SQLite file under ./data/.</summary>
    Sqlite,
    PostgreSql,
    SqlServer,
}

/// <summary>Configuration section "Database".</summary>
public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>ADO.NET connection string; for SQLite the default is a file under ./data/.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/eprescription.db";
}
