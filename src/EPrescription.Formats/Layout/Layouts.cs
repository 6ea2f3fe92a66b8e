using System.Text.Json;

namespace EPrescription.Formats.Layout;

/// <summary>The two layouts this assembly carries, loaded once from the embedded copies of <c>schemas/</c>.</summary>
public static class Layouts
{
    private static readonly Lazy<FormatLayout> RxLayout = new(() => Load("jahis-rx.layout.json"));
    private static readonly Lazy<FormatLayout> TcLayout = new(() => Load("jahis-tc.layout.json"));

    /// <summary>JAHIS outpatient prescription (院外処方箋2次元シンボル記録条件規約), JAHIS5 … JAHIS10.</summary>
    public static FormatLayout Prescription => RxLayout.Value;

    /// <summary>JAHIS e-medication notebook (電子版お薬手帳データフォーマット), JAHISTC01 … JAHISTC08.</summary>
    public static FormatLayout Notebook => TcLayout.Value;

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        // No enum converter here: an options-level converter would override the converters the enums name themselves, and
        // FieldType's "9" would then load as the number 9 instead of Digits (each enum carries its own converter).
    };

    public static FormatLayout Load(Stream json)
    {
        var layout = JsonSerializer.Deserialize<FormatLayout>(json, JsonOptions)
            ?? throw new InvalidDataException("The layout file is empty.");
        layout.Index();
        layout.CheckEnums();
        return layout;
    }

    private static FormatLayout Load(string name)
    {
        using var stream = typeof(Layouts).Assembly.GetManifestResourceStream($"EPrescription.Formats.{name}")
            ?? throw new InvalidOperationException($"The layout {name} is not embedded in {typeof(Layouts).Assembly.GetName().Name}.");
        return Load(stream);
    }
}
