using System.Text;

namespace EPrescription.Server.MedicationChecks;

/// <summary>Product codes that name one product and no ingredient, so they are the same only as themselves.</summary>
public enum ProductCodeKind
{
    /// <summary>レセプト電算処理システム医薬品コード (薬品コード種別 2).</summary>
    Receipt,
    /// <summary>
    /// HOT code (薬品コード種別 6): HOT7 prescribing number + 2 digits of the distributor = HOT9, + 4 digits of the package =
    /// HOT13. Kept as its HOT9, so the same product in another package still matches.
    /// </summary>
    Hot,
}

/// <summary>A product code of a drug: a レセ電 code or a HOT9.</summary>
public sealed record ProductCode(ProductCodeKind Kind, string Code);

/// <summary>
/// What a drug is for the duplicate-medication check (同一成分): its ingredient code, its product code, and its normalised name;
/// at least one of them. The ingredient code is the first 7 characters of a YJ code, a 厚生労働省 code (薬価基準収載医薬品コード)
/// or a 一般名コード: therapeutic class (4) and ingredient (3), the same for every product of the ingredient.
/// </summary>
public sealed record Ingredient(string? IngredientCode, ProductCode? Product, string? NameKey)
{
    private const string GenericMarker = "【般】";

    public bool HasCode => IngredientCode is not null || Product is not null;

    /// <summary>What the check answers as <c>ingredient</c>: the ingredient code, else the product code, else the name.</summary>
    public string Key => IngredientCode ?? Product?.Code ?? NameKey ?? "";

    /// <summary>
    /// Two drugs with ingredient codes are the same when those are equal; otherwise two drugs with the same product code are the
    /// same (a レセ電 or HOT code matches only itself, never an ingredient code); a drug without any code is compared by name, so
    /// a drug written without a code is still recognised in a coded one.
    /// </summary>
    public bool IsSameAs(Ingredient other)
    {
        if (IngredientCode is not null && other.IngredientCode is not null) return IngredientCode == other.IngredientCode;
        if (Product is not null && Product == other.Product) return true;
        if (HasCode && other.HasCode) return false;
        return NameKey is not null && NameKey == other.NameKey;
    }

    /// <summary>
    /// The ingredient of a prescribed drug (prescription record 201): 薬品コード種別 3 厚生省, 4 YJ or 7 一般名コード give the
    /// ingredient code, 2 レセ電 and 6 HOT the product code, 1 (no code) or a code too short to hold an ingredient only the
    /// name. Null when there is neither a code nor a name.
    /// </summary>
    public static Ingredient? OfPrescribed(string? codeKind, string? code, string? name) =>
        Of(IngredientCodeOf(codeKind, code), ProductCodeOf(codeKind, code), NormaliseName(name));

    /// <summary>
    /// The ingredient of a dispensed drug (notebook record 201): its own code when that names an ingredient (3 厚労省, 4 YJ), else
    /// its 一般名コード (fields 9–10); its own レセ電 or HOT code as product code; and the 一般名 as name when the pharmacy wrote one
    /// (what a generic prescription's drug name says), else the product's name.
    /// </summary>
    public static Ingredient? OfDispensed(string? codeKind, string? code, string? genericCodeKind, string? genericCode, string? name, string? genericName) =>
        Of(IngredientCodeOf(codeKind, code) ?? (genericCodeKind == "2" ? IngredientCodeOf("7", genericCode) : null),
            ProductCodeOf(codeKind, code),
            NormaliseName(genericName) ?? NormaliseName(name));

    /// <summary>A name as people read it: NFKC (full- and half-width alike), without blanks and without a leading 【般】 marker.</summary>
    public static string? NormaliseName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name)) return null;
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormKC))
        {
            if (!char.IsWhiteSpace(c)) builder.Append(c);
        }
        var normalised = builder.ToString();
        if (normalised.StartsWith(GenericMarker, StringComparison.Ordinal)) normalised = normalised[GenericMarker.Length..];
        return normalised.Length == 0 ? null : normalised;
    }

    private static Ingredient? Of(string? ingredientCode, ProductCode? product, string? nameKey) =>
        ingredientCode is null && product is null && nameKey is null ? null : new Ingredient(ingredientCode, product, nameKey);

    private static string? IngredientCodeOf(string? codeKind, string? code) =>
        codeKind is "3" or "4" or "7" && NormaliseCode(code) is { Length: >= 7 } normalised ? normalised[..7] : null;

    private static ProductCode? ProductCodeOf(string? codeKind, string? code) => (codeKind, NormaliseCode(code)) switch
    {
        ("2", { } receipt) => new ProductCode(ProductCodeKind.Receipt, receipt),
        ("6", { } hot) => new ProductCode(ProductCodeKind.Hot, hot.Length > 9 ? hot[..9] : hot),
        _ => null,
    };

    private static string? NormaliseCode(string? code) =>
        string.IsNullOrWhiteSpace(code) ? null : code.Normalize(NormalizationForm.FormKC).Trim().ToUpperInvariant();
}
