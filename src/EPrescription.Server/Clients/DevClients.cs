namespace EPrescription.Server.Clients;

/// <summary>One development client with its well-known key.</summary>
public sealed record DevClient(string Id, string Name, ClientRole Role, string? InstitutionCode, string ApiKey);

/// <summary>
/// DEVELOPMENT ONLY. Clients with fixed, published keys, so the embedded mode works out of the box with the shared samples
/// (the clinic 1311234567 of the prescription samples, the pharmacy 1341234567 of the notebook samples). The embedded server
/// seeds them at every start and prints the keys; a server-mode deployment must never seed them, since anyone can read the keys
/// here. They are stored hashed like any other key.
/// </summary>
public static class DevClients
{
    public static DevClient Clinic { get; } =
        new("cl_dev_clinic", "医療法人見本会 みほんクリニック", ClientRole.Clinic, "1311234567", "eprx_dev_clinic_development-only");

    public static DevClient DentalClinic { get; } =
        new("cl_dev_dental", "医療法人見本会 みほん歯科", ClientRole.Clinic, "1331234568", "eprx_dev_dental_development-only");

    public static DevClient Pharmacy { get; } =
        new("cl_dev_pharmacy", "みほん薬局 本町店", ClientRole.Pharmacy, "1341234567", "eprx_dev_pharmacy_development-only");

    /// <summary>A second pharmacy, to try a prescription held by another pharmacy (WITH_ANOTHER_PHARMACY).</summary>
    public static DevClient SecondPharmacy { get; } =
        new("cl_dev_pharmacy2", "みほん薬局 梅田店", ClientRole.Pharmacy, "2747654321", "eprx_dev_pharmacy2_development-only");

    public static DevClient NotebookApp { get; } =
        new("cl_dev_notebook", "Sample notebook app", ClientRole.NotebookApp, null, "eprx_dev_notebook_development-only");

    public static DevClient Admin { get; } =
        new("cl_dev_admin", "Development operator", ClientRole.Admin, null, "eprx_dev_admin_development-only");

    public static IReadOnlyList<DevClient> All { get; } = [Clinic, DentalClinic, Pharmacy, SecondPharmacy, NotebookApp, Admin];

    /// <summary>
    /// Adds each development client whose id is absent, so running it at every start changes nothing after the first. A dev
    /// client the operator revoked stays revoked. Returns the clients it added.
    /// </summary>
    public static async Task<IReadOnlyList<DevClient>> SeedAsync(ClientStore store, CancellationToken ct = default)
    {
        var added = new List<DevClient>();
        foreach (var client in All)
        {
            if (await store.AddWithKeyAsync(client.Id, new NewClient(client.Name, client.Role, client.InstitutionCode, WebhookUrl: null), client.ApiKey, ct))
                added.Add(client);
        }
        return added;
    }
}
