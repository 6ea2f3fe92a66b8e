using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Reading;
using EPrescription.Server.Slips;

namespace EPrescription.Server.Prescriptions;

/// <summary>The exchange slip (電子処方せん引換証) as printable HTML, for the issuing clinic to print for the patient.</summary>
public static class GetSlip
{
    internal sealed class Handler(PrescriptionStore store)
    {
        public async Task<string> HandleAsync(string id, Caller caller, CancellationToken cancellationToken = default)
        {
            var row = await GetStatus.LoadVisibleAsync(store, id, caller, cancellationToken);
            if (row.ClinicClientId != caller.ClientId) throw GetStatus.NotFound(id);
            var prescription = PrescriptionReader.Read(JahisReader.Read(row.Document, row.Encoding));
            IReadOnlyList<string> siblings = [];
            if (row.SplitOf is not null)
            {
                await using var connection = await store.Database.OpenAsync(cancellationToken);
                siblings = await GetStatus.SiblingsAsync(connection, row);
            }
            return ExchangeSlip.Render(new SlipContent(PrescriptionId.Parse(row.Id).ToString(), row.ExchangeCode, prescription, row.IssuedOn, row.ExpiresOn)
            {
                SplitSiblings = siblings,
            });
        }
    }
}
