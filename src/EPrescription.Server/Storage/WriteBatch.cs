using System.Collections.Concurrent;
using System.Data.Common;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;

namespace EPrescription.Server.Storage;

/// <summary>
/// The writes of one change (state, history, outbox, audit, processed message), sent to the database in one command: one round
/// trip instead of one per statement. Every dialect here runs several statements in one command. Each statement's parameters
/// are renamed apart (<c>@id</c> of the third statement becomes <c>@s2_id</c>), so statements may reuse names.
/// <para>
/// Statements that must change exactly one row (an insert, the version-guarded update of the row the transaction locked) are
/// counted: if the database reports fewer rows than that, something changed under the lock (a defect) and
/// <see cref="ExecuteAsync"/> throws, rolling the transaction back.
/// </para>
/// </summary>
public sealed partial class WriteBatch
{
    private static readonly ConcurrentDictionary<Type, PropertyInfo[]> Properties = new();
    private readonly StringBuilder _sql = new();
    private DynamicParameters _parameters = new();
    private readonly List<Action<DbTransaction>> _onExecuted = [];
    private int _statements;
    private int _expectedRows;

    public bool IsEmpty => _statements == 0;

    /// <summary>Adds a statement that changes exactly one row (<paramref name="rows"/>), or any number (null).</summary>
    public WriteBatch Add(string sql, object? parameters = null, int? rows = 1)
    {
        var prefix = $"s{_statements}_";
        if (parameters is not null)
        {
            foreach (var property in Properties.GetOrAdd(parameters.GetType(), t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)))
                _parameters.Add(prefix + property.Name, property.GetValue(parameters));
        }
        _sql.Append(ParameterName().Replace(sql, m => "@" + prefix + m.Groups[1].Value)).Append(";\n");
        _statements++;
        _expectedRows += rows ?? 0;
        return this;
    }

    /// <summary>Runs <paramref name="action"/> with the transaction once the batch has been executed in it (not yet committed).</summary>
    public void OnExecuted(Action<DbTransaction> action) => _onExecuted.Add(action);

    public async Task ExecuteAsync(DbConnection connection, DbTransaction transaction)
    {
        if (IsEmpty) return;
        var changed = await connection.ExecuteAsync(_sql.ToString(), _parameters, transaction);
        if (changed < _expectedRows)
        {
            throw new InvalidOperationException(
                $"A batch of {_statements} statement(s) changed {changed} row(s) where at least {_expectedRows} were expected: the locked row changed under its lock.");
        }
        foreach (var action in _onExecuted) action(transaction);
        _sql.Clear();
        _parameters = new DynamicParameters();
        _onExecuted.Clear();
        _statements = 0;
        _expectedRows = 0;
    }

    [GeneratedRegex(@"(?<![@\w])@([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex ParameterName();
}
