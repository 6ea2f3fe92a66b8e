using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace EPrescription.Signatures.Hpki;

/// <summary>
/// The HPKI healthcare role (保健医療福祉分野の資格, hcRole): ISO 17090 HealthcareActor attribute in the certificate's
/// SubjectDirectoryAttributes, coded in the Japanese scheme.
/// </summary>
public static class HcRole
{
    /// <summary>ISO 17090 hcRole attribute type.</summary>
    public static readonly DerObjectIdentifier AttributeOid = new("1.0.17090.0.1");

    /// <summary>The JP coding scheme of HPKI roles.</summary>
    public static readonly DerObjectIdentifier JapaneseSchemeOid = new("1.2.392.100495.1.6.1.1");

    /// <summary>医師</summary>
    public const string MedicalDoctor = "Medical Doctor";
    /// <summary>歯科医師</summary>
    public const string Dentist = "Dentist";
    /// <summary>薬剤師</summary>
    public const string Pharmacist = "Pharmacist";

    /// <summary>The role codes in the JP scheme, or an empty list when the certificate carries none.</summary>
    public static IReadOnlyList<string> Read(X509Certificate certificate)
    {
        var extension = certificate.GetExtensionValue(X509Extensions.SubjectDirectoryAttributes);
        if (extension is null)
            return [];

        return ParseExtension(extension.GetOctets());
    }

    /// <summary>The JP-scheme role codes in a DER-encoded SubjectDirectoryAttributes extension value.</summary>
    public static IReadOnlyList<string> ParseExtension(byte[] subjectDirectoryAttributes)
    {
        var roles = new List<string>();
        foreach (var element in Asn1Sequence.GetInstance(subjectDirectoryAttributes))
        {
            var attribute = Asn1Sequence.GetInstance(element);
            if (attribute.Count < 2 || !AttributeOid.Equals(attribute[0]))
                continue;
            CollectCodedData(attribute[1].ToAsn1Object(), roles);
        }
        return roles;
    }

    // As HPKI certificates encode it (ISO 17090-3): HCActorData ::= SET OF HCActor, HCActor ::= SEQUENCE { codedData [0]
    // EXPLICIT CodedData }, CodedData ::= SET { codingSchemeReference [0] OID, codingSchemeVersion [1] OPTIONAL,
    // codeDataValue [2] DirectoryString, codeDataFreeText [3] OPTIONAL }. The CodedData is found by its scheme OID rather
    // than by a fixed path, so a SEQUENCE instead of a SET, or one nesting level more or less, still reads.
    private static void CollectCodedData(Asn1Object node, List<string> roles)
    {
        IEnumerable<Asn1Encodable> children = node switch
        {
            Asn1Sequence sequence => sequence,
            Asn1Set set => set,
            Asn1TaggedObject tagged => [tagged.GetExplicitBaseObject()],
            _ => [],
        };
        var elements = children.ToList();
        var isJapaneseCodedData = elements.Any(e =>
            e is Asn1TaggedObject { TagNo: 0 } scheme && JapaneseSchemeOid.Equals(scheme.GetExplicitBaseObject()));
        if (isJapaneseCodedData)
        {
            foreach (var element in elements)
                if (element is Asn1TaggedObject { TagNo: 2 } value && value.GetExplicitBaseObject() is IAsn1String code)
                    roles.Add(code.GetString());
            return;
        }
        foreach (var element in elements)
            CollectCodedData(element.ToAsn1Object(), roles);
    }

    /// <summary>The SubjectDirectoryAttributes extension value carrying one role in the JP scheme, encoded as HPKI does.</summary>
    public static Asn1Encodable CreateExtension(string role)
    {
        var codedData = new DerSet(new Asn1EncodableVector(
            new DerTaggedObject(true, 0, JapaneseSchemeOid),
            new DerTaggedObject(true, 2, new DerUtf8String(role))));
        var hcActor = new DerSequence(new DerTaggedObject(true, 0, codedData));
        var hcActorData = new DerSet(hcActor);
        var attribute = new DerSequence(AttributeOid, new DerSet(hcActorData));
        return new DerSequence(attribute);
    }
}
