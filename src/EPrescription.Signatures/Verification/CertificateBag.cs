using System.Formats.Asn1;

namespace EPrescription.Signatures.Verification;

/// <summary>
/// Takes the certificate bag out of a CMS SignedData before BouncyCastle parses it. The same signer sends the same
/// certificates with every signature, and parsing them is most of the cost of parsing the CMS; the verifier parses each
/// distinct certificate once (<see cref="Trust.KnownCertificates"/>) and hands BouncyCastle the rest, byte for byte: the
/// signer infos, signed attributes and content are what its signature check reads, and the bag is covered by no signature.
/// </summary>
internal static class CertificateBag
{
    private static readonly Asn1Tag Certificates = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private const string SignedDataOid = "1.2.840.113549.1.7.2";

    /// <summary>
    /// The encoded certificates of the bag and the CMS without it; false for anything but the plain shape (one ContentInfo
    /// of type SignedData whose bag holds only X.509 certificates), which BouncyCastle then parses whole, as it is.
    /// </summary>
    public static bool TrySplit(byte[] cms, out byte[] withoutBag, out IReadOnlyList<ReadOnlyMemory<byte>> certificates)
    {
        withoutBag = cms;
        certificates = [];
        try
        {
            var reader = new AsnReader(cms, AsnEncodingRules.BER);
            var contentInfo = reader.ReadSequence();
            if (reader.HasData || contentInfo.ReadObjectIdentifier() != SignedDataOid)
                return false;
            var content = contentInfo.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));
            var signedData = content.ReadSequence();
            if (contentInfo.HasData || content.HasData)
                return false;

            var writer = new AsnWriter(AsnEncodingRules.BER);
            var found = new List<ReadOnlyMemory<byte>>();
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier(SignedDataOid);
                using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true)))
                using (writer.PushSequence())
                {
                    while (signedData.HasData)
                    {
                        if (signedData.PeekTag() != Certificates)
                        {
                            writer.WriteEncodedValue(signedData.ReadEncodedValue().Span);
                            continue;
                        }
                        if (found.Count > 0)
                            return false;
                        var bag = signedData.ReadSetOf(skipSortOrderValidation: true, Certificates);
                        while (bag.HasData)
                        {
                            // Attribute and other certificate kinds: rare, and not for this shortcut.
                            if (bag.PeekTag() != Asn1Tag.Sequence)
                                return false;
                            found.Add(bag.ReadEncodedValue());
                        }
                        if (found.Count == 0)
                            return false;
                    }
                }
            }
            withoutBag = writer.Encode();
            certificates = found;
            return true;
        }
        catch (AsnContentException)
        {
            return false;
        }
    }
}
