using EPrescription.Signatures.Hpki;
using Org.BouncyCastle.Asn1;

namespace EPrescription.Signatures.Tests;

public sealed class When_reading_the_hpki_role
{
    // SubjectDirectoryAttributes as HPKI certificates carry it: hcRole 1.0.17090.0.1 > SET > SET OF HCActor > SEQUENCE >
    // [0] CodedData SET { [0] 1.2.392.100495.1.6.1.1, [2] UTF8String "Medical Doctor" }.
    private const string HpkiMedicalDoctor =
        "303430320606288185420001312831263024A0223120A00C060A2A830886910F01060101A2100C0E4D65646963616C20446F63746F72";

    [Test]
    public void Should_read_the_role_as_hpki_certificates_encode_it()
    {
        Assert.That(HcRole.ParseExtension(Convert.FromHexString(HpkiMedicalDoctor)), Is.EqualTo(new[] { HcRole.MedicalDoctor }));
    }

    [Test]
    public void Should_write_the_role_byte_for_byte_as_hpki_certificates_do()
    {
        Assert.That(Convert.ToHexString(HcRole.CreateExtension(HcRole.MedicalDoctor).GetEncoded(Asn1Encodable.Der)), Is.EqualTo(HpkiMedicalDoctor));
    }

    [Test]
    public void Should_ignore_roles_of_another_coding_scheme()
    {
        var otherScheme = HpkiMedicalDoctor.Replace("2A830886910F01060101", "2A830886910F01060102", StringComparison.Ordinal);

        Assert.That(HcRole.ParseExtension(Convert.FromHexString(otherScheme)), Is.Empty);
    }

    [Test]
    public void Should_read_the_dev_certificates_roles_and_none_where_there_is_none()
    {
        Assert.That(HcRole.Read(TestPki.Pki.NoHcRole.Certificate), Is.Empty);
        Assert.That(HcRole.Read(TestPki.Pki.Pharmacist.Certificate), Is.EqualTo(new[] { HcRole.Pharmacist }));
    }
}
