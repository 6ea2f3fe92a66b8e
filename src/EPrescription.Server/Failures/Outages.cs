using System.Data.Common;
using System.Net.Sockets;
using MassTransit;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace EPrescription.Server.Failures;

/// <summary>
/// The one place that tells an outage from a defect. An outage is the database or the bus not answering (a restart, a lost
/// connection, a timeout, SQLite busy or locked): the request changed nothing and may be sent again, so the HTTP edge answers
/// 503 SERVICE_UNAVAILABLE with Retry-After and the bus consumers retry it. Anything else is a defect (500).
/// </summary>
public static class Outages
{
    /// <summary>What a client is told to wait before sending the same request again (the Retry-After header).</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static bool Is(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (IsItself(e)) return true;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(Is)) return true;
        }
        return false;
    }

    private static bool IsItself(Exception e) => e switch
    {
        TimeoutException or SocketException => true,
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6): another writer (another process on the same file) held the lock too long.
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6,
        // Npgsql marks connection failures, server shutdown (57P01…), too many connections, deadlocks and serialization
        // failures transient; constraint violations and syntax errors are not.
        NpgsqlException npgsql => npgsql.IsTransient || npgsql is not PostgresException,
        SqlException sql => sql.IsTransient || SqlServerTransient.Contains(sql.Number),
        DbException db => db.IsTransient,
        // The bus: a broker that does not answer, or a prescription server that did not answer in time or gave up after its
        // retries (it only gives up on outages; defects are answered with INTERNAL_ERROR).
        RequestTimeoutException or RequestFaultException or ConnectionException or TransportException => true,
        RabbitMQ.Client.Exceptions.BrokerUnreachableException or RabbitMQ.Client.Exceptions.AlreadyClosedException
            or RabbitMQ.Client.Exceptions.OperationInterruptedException => true,
        _ => false,
    };

    /// <summary>
    /// SQL Server errors that mean "not now" rather than "wrong": timeout, network errors, deadlock victim, database not
    /// available yet, Azure SQL throttling and failover.
    /// </summary>
    private static readonly HashSet<int> SqlServerTransient =
        [-2, 20, 53, 64, 121, 233, 1205, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 40143, 40197, 40501, 40613, 49918, 49919, 49920];
}
