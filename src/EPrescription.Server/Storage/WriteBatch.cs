using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;

namespace EPrescription.Server.Storage;

/// <summary>
/// The writes of one change (state, history, outbox, audit, processed message), sent to the database together. For a server
/// database (PostgreSQL, SQL Server) they go in one multi-statement command: one round trip instead of one per statement, each
/// statement's parameters renamed apart (<c>@id</c> of the third statement becomes <c>@s2_id</c>) so statements may reuse
/// names. SQLite runs in the process, so there is no round trip to save, and Microsoft.Data.Sqlite matches every parameter of a
/// command against every statement of it: there the statements run one by one, each with its own parameters (measured: the
/// multi-statement form halved the use cases' throughput on SQLite).
/// <para>
/// Statements that must change exactly one row (an insert, the version-guarded update of the row the transaction locked) are
/// counted: if the database reports fewer rows than that, something changed under the lock (a defect) and
/// <see cref="ExecuteAsync"/> throws, rolling the transaction back.
/// </para>
/// </summary>
public sealed partial class WriteBatch
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();
    private readonly List<(string Sql, object? Parameters)> _statements = [];
    private readonly List<Action<DbTransaction>> _onExecuted = [];
    private int _expectedRows;

    public bool IsEmpty => _statements.Count == 0;

    /// <summary>Adds a statement that changes exactly one row (<paramref name="rows"/>), or any number (null).</summary>
    public WriteBatch Add(string sql, object? parameters = null, int? rows = 1)
    {
        _statements.Add((sql, parameters));
        _expectedRows += rows ?? 0;
        return this;
    }

    /// <summary>Runs <paramref name="action"/> with the transaction once the batch has been executed in it (not yet committed).</summary>
    public void OnExecuted(Action<DbTransaction> action) => _onExecuted.Add(action);

    public async Task ExecuteAsync(DbConnection connection, DbTransaction transaction)
    {
        if (IsEmpty) return;
        var changed = 0;
        if (connection is SqliteConnection)
        {
            foreach (var (sql, parameters) in _statements) changed += await connection.ExecuteAsync(sql, parameters, transaction);
        }
        else
        {
            var (sql, parameters) = Combined();
            changed = await connection.ExecuteAsync(sql, parameters, transaction);
        }
        if (changed < _expectedRows)
        {
            throw new InvalidOperationException(
                $"A batch of {_statements.Count} statement(s) changed {changed} row(s) where at least {_expectedRows} were expected: the locked row changed under its lock.");
        }
        foreach (var action in _onExecuted) action(transaction);
        _statements.Clear();
        _onExecuted.Clear();
        _expectedRows = 0;
    }

    /// <summary>One command of every statement, each one's parameters prefixed with its position.</summary>
    private (string Sql, DynamicParameters Parameters) Combined()
    {
        var sql = new StringBuilder();
        var all = new DynamicParameters();
        for (var i = 0; i < _statements.Count; i++)
        {
            var (text, parameters) = _statements[i];
            var prefix = $"s{i}_";
            if (parameters is not null)
            {
                foreach (var property in Properties.GetOrAdd(parameters.GetType(), t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)))
                    all.Add(prefix + property.Name, property.GetValue(parameters));
            }
            sql.Append(ParameterName().Replace(text, m => "@" + prefix + m.Groups[1].Value)).Append(";\n");
        }
        return (sql.ToString(), all);
    }

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterName();
}
