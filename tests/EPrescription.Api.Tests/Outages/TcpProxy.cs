using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace EPrescription.Api.Tests.Outages;

/// <summary>
/// A TCP relay between a service and a server (PostgreSQL, RabbitMQ) that a test can cut: every open connection is reset and
/// new ones are reset on arrival, as when the server restarts, until the test restores it. The shared server itself is never
/// touched, so tests running at the same time are not disturbed.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile bool _cut;

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>The loopback port the service connects to instead of the server's.</summary>
    public int Port { get; }

    /// <summary>
    /// Resets every connection and refuses new ones until <see cref="Restore"/>; returns how many connections it reset (both
    /// sides of each relayed connection), so a test can tell that its service really went through the proxy.
    /// </summary>
    public int Cut()
    {
        _cut = true;
        var reset = 0;
        foreach (var socket in _open.Keys)
        {
            if (Reset(socket)) reset++;
        }
        return reset;
    }

    public void Restore() => _cut = false;

    /// <summary>
    /// Runs <paramref name="lifecycles"/> lifecycles, <paramref name="inParallel"/> at a time, and once a quarter of them are done
    /// cuts this proxy for <paramref name="outage"/>, then restores it; the outage of the restart tests. Returns how many
    /// connections the cut reset.
    /// </summary>
    public async Task<int> CutDuringAsync(int lifecycles, int inParallel, TimeSpan outage, Func<int, CancellationToken, Task> lifecycle,
        CancellationToken deadline)
    {
        var completed = 0;
        var cut = 0;
        var outageStarts = new TaskCompletionSource();
        var cutting = Task.Run(async () =>
        {
            await outageStarts.Task.WaitAsync(deadline);
            cut = Cut();
            try
            {
                await Task.Delay(outage, deadline);
            }
            finally
            {
                Restore();
            }
        });
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(1, lifecycles), new ParallelOptions { MaxDegreeOfParallelism = inParallel, CancellationToken = deadline },
                async (visit, cancellationToken) =>
                {
                    await lifecycle(visit, cancellationToken);
                    if (Interlocked.Increment(ref completed) == lifecycles / 4) outageStarts.TrySetResult();
                });
            await cutting;
        }
        finally
        {
            outageStarts.TrySetCanceled();
            Restore();
        }
        return cut;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            if (_cut)
            {
                Reset(client);
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await server.ConnectAsync(_targetHost, _targetPort, _stop.Token);
        }
        catch (Exception)
        {
            Reset(client);
            server.Dispose();
            return;
        }
        _open[client] = 0;
        _open[server] = 0;
        await Task.WhenAny(PumpAsync(client, server), PumpAsync(server, client));
        Reset(client);
        Reset(server);
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0) return;
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception)
        {
            // The connection was cut or closed: the relay ends.
        }
    }

    /// <summary>Closes with a reset (RST), as a server process that went away leaves its peers.</summary>
    private bool Reset(Socket socket)
    {
        var wasOpen = _open.TryRemove(socket, out _);
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception)
        {
            // Already closed.
        }
        return wasOpen;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var socket in _open.Keys) Reset(socket);
        await _accepting;
        _stop.Dispose();
    }
}
