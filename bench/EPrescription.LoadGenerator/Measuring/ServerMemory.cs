using System.Globalization;

namespace EPrescription.LoadGenerator.Measuring;

/// <summary>The server's memory from /proc/PID/status: VmHWM (peak resident set since it started) and VmRSS (now), in MiB.</summary>
internal sealed record ServerMemory(int Pid, double PeakMiB, double CurrentMiB)
{
    public static ServerMemory? Read(int pid)
    {
        var path = $"/proc/{pid}/status";
        if (!File.Exists(path)) return null;
        try
        {
            double peak = 0, current = 0;
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) peak = KiB(line) / 1024;
                else if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) current = KiB(line) / 1024;
            }
            return new ServerMemory(pid, Math.Round(peak, 1), Math.Round(current, 1));
        }
        catch (IOException)
        {
            return null; // the process ended between the check and the read
        }
    }

    private static double KiB(string line) =>
        double.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], NumberStyles.Integer, CultureInfo.InvariantCulture);
}
