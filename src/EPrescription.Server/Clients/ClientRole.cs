namespace EPrescription.Server.Clients;

/// <summary>What a client may do (SPEC §4): every API key belongs to one client with exactly one role.</summary>
public enum ClientRole
{
    /// <summary>A clinic system: registers and cancels its own prescriptions.</summary>
    Clinic,
    /// <summary>A pharmacy system: receives, returns and dispenses.</summary>
    Pharmacy,
    /// <summary>電子版お薬手帳 (e-medication-notebook app): links patients and reads their dispensing records.</summary>
    NotebookApp,
    /// <summary>The network's operator: reads the audit log.</summary>
    Admin,
}

/// <summary>The role names as stored and shown: "clinic", "pharmacy", "notebook-app", "admin".</summary>
public static class ClientRoles
{
    public static IReadOnlyList<ClientRole> All { get; } = Enum.GetValues<ClientRole>();

    public static string Name(this ClientRole role) => role switch
    {
        ClientRole.Clinic => "clinic",
        ClientRole.Pharmacy => "pharmacy",
        ClientRole.NotebookApp => "notebook-app",
        ClientRole.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Unknown client role."),
    };

    public static bool TryParse(string? name, out ClientRole role)
    {
        foreach (var candidate in All)
        {
            if (string.Equals(candidate.Name(), name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                role = candidate;
                return true;
            }
        }
        role = default;
        return false;
    }

    /// <summary>"clinic, pharmacy, notebook-app or admin", for messages.</summary>
    public static string Choices { get; } = string.Join(", ", All.SkipLast(1).Select(r => r.Name())) + " or " + All[^1].Name();
}
