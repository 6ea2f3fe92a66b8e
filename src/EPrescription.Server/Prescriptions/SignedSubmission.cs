using EPrescription.Formats.Text;

namespace EPrescription.Server.Prescriptions;

/// <summary>
/// A signed document as clients send it, for a registration and for a dispensing result alike: <c>document</c> with a detached
/// CMS <c>signature</c>, or <c>signedDocument</c> (the CMS with the content inside), all base64, and the document's
/// <c>encoding</c> (Shift_JIS unless "utf-8"). Every problem of the body is reported at once.
/// </summary>
/// <param name="Document">The signed bytes; empty when they travel inside <paramref name="Signature"/>.</param>
/// <param name="Signature">The detached signature, or the whole CMS when not <paramref name="Detached"/>.</param>
public sealed record SignedSubmission(byte[] Document, byte[] Signature, bool Detached, TextEncodingKind Encoding)
{
    /// <param name="what">What the body should be, for the refusal: "a registration", "a dispensing result".</param>
    public static SignedSubmission Decode(string? document, string? signature, string? signedDocument, string? encoding, string what)
    {
        var errors = new List<DocumentError>();
        var kind = EncodingOf(encoding, errors);

        if (signedDocument is not null)
        {
            if (document is not null || signature is not null)
                errors.Add(Member("signedDocument", "send either signedDocument alone, or document with signature, not both"));
            var signed = Base64(signedDocument, "signedDocument", errors);
            ThrowIfAny(errors, what);
            return new SignedSubmission([], signed!, false, kind);
        }

        if (document is null) errors.Add(Member("document", "is required (base64 of the exact signed bytes), or send signedDocument instead"));
        if (signature is null && document is not null)
            errors.Add(Member("signature", "is required with document: the detached CMS signature, base64"));
        var documentBytes = document is null ? null : Base64(document, "document", errors);
        var signatureBytes = signature is null ? null : Base64(signature, "signature", errors);
        ThrowIfAny(errors, what);
        return new SignedSubmission(documentBytes!, signatureBytes!, true, kind);
    }

    /// <summary>The body's <c>encoding</c>: Shift_JIS (CP932) unless "utf-8"; anything else is an error naming the member.</summary>
    internal static TextEncodingKind EncodingOf(string? encoding, List<DocumentError> errors) => encoding?.Trim().ToLowerInvariant() switch
    {
        null or "" or "shift_jis" or "shift-jis" or "cp932" or "windows-31j" => TextEncodingKind.ShiftJis,
        "utf-8" or "utf8" => TextEncodingKind.Utf8,
        _ => Fail<TextEncodingKind>(errors, "encoding", $"'{Clip(encoding)}' is not supported; use \"utf-8\" or leave it out for Shift_JIS (CP932)"),
    };

    private static string Clip(string value) => value.Length > 20 ? value[..20] + "…" : value;

    /// <summary>A base64 member of the body, or null with an error naming it.</summary>
    internal static byte[]? Base64(string value, string member, List<DocumentError> errors)
    {
        try
        {
            var bytes = Convert.FromBase64String(value);
            if (bytes.Length == 0) errors.Add(Member(member, "is empty"));
            return bytes;
        }
        catch (FormatException)
        {
            errors.Add(Member(member, "is not valid base64"));
            return null;
        }
    }

    private static T Fail<T>(List<DocumentError> errors, string member, string message)
    {
        errors.Add(Member(member, message));
        return default!;
    }

    internal static DocumentError Member(string member, string message) => new(null, null, null, $"{member}: {message}");

    private static void ThrowIfAny(List<DocumentError> errors, string what)
    {
        if (errors.Count > 0)
            throw new DomainException(ErrorCodes.RequestInvalid, $"The request body is not {what}: " + string.Join("; ", errors.Select(e => e.Message)), errors);
    }
}
