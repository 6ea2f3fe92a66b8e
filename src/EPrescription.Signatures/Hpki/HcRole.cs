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

        var roles = new List<string>();
        var attributes = Asn1Sequence.GetInstance(extension.GetOctets());
        foreach (var element in attributes)
        {
            var attribute = Asn1Sequence.GetInstance(element);
            if (attribute.Count < 2 || !AttributeOid.Equals(attribute[0]))
                continue;
            CollectCodedData(attribute[1].ToAsn1Object(), roles);
        }
        return roles;
    }

    // HCActorData nests CodedData a few levels deep (SET OF HCActor, [0] EXPLICIT CodedData); issuers have been seen to
    // differ in that nesting, so search for the CodedData by its scheme OID rather than by a fixed path.
    private static void CollectCodedData(Asn1Object node, List<string> roles)
    {
        switch (node)
        {
            case Asn1Sequence sequence when sequence.Count >= 2 && JapaneseSchemeOid.Equals(sequence[0]):
                foreach (var element in sequence.Cast<Asn1Encodable>().Skip(1))
                {
                    if (element is Asn1TaggedObject { TagNo: 0 } value
                        && value.GetExplicitBaseObject() is IAsn1String code)
                        roles.Add(code.GetString());
                }
                break;
            case Asn1Sequence sequence:
                foreach (var element in sequence)
                    CollectCodedData(element.ToAsn1Object(), roles);
                break;
            case Asn1Set set:
                foreach (var element in set)
                    CollectCodedData(element.ToAsn1Object(), roles);
                break;
            case Asn1TaggedObject tagged:
                CollectCodedData(tagged.GetExplicitBaseObject().ToAsn1Object(), roles);
                break;
        }
    }

    /// <summary>
    /// The SubjectDirectoryAttributes extension value carrying one role, as HPKI certificates encode it:
    /// Attribute { hcRole, SET { HCActorData ::= SET OF SEQUENCE { [0] EXPLICIT CodedData } } }.
    /// </summary>
    public static Asn1Encodable CreateExtension(string role, string japaneseFreeText)
    {
        var codedData = new DerSequence(
            JapaneseSchemeOid,
            new DerTaggedObject(true, 0, new DerPrintableString(role)),
            new DerTaggedObject(true, 1, new DerUtf8String(japaneseFreeText)));
        var hcActor = new DerSequence(new DerTaggedObject(true, 0, codedData));
        var hcActorData = new DerSet(hcActor);
        var attribute = new DerSequence(AttributeOid, new DerSet(hcActorData));
        return new DerSequence(attribute);
    }
}
