using System.Text.Json.Serialization;

namespace EPrescription.Formats.Layout;

/// <summary>
/// One JAHIS format's record layouts as read from <c>schemas/jahis-*.layout.json</c> (the shape is described in
/// docs/layout-schema.md). Nothing else in the code knows a record's fields.
/// </summary>
public sealed class FormatLayout
{
    public required string Format { get; init; }
    public required string Title { get; init; }
    public EraStyle EraStyle { get; init; }
    public required VersionRecordLayout VersionRecord { get; init; }
    public required IReadOnlyList<ContainerLayout> Containers { get; init; }
    public required IReadOnlyList<RecordLayout> Records { get; init; }
    public IReadOnlyDictionary<string, CodeList> CodeLists { get; init; } = new Dictionary<string, CodeList>();

    [JsonIgnore] public IReadOnlyDictionary<string, RecordLayout> RecordsByNumber { get; private set; } = null!;
    [JsonIgnore] public IReadOnlyDictionary<string, ContainerLayout> ContainersByName { get; private set; } = null!;

    internal void Index()
    {
        RecordsByNumber = Records.ToDictionary(r => r.Number, StringComparer.Ordinal);
        ContainersByName = Containers.ToDictionary(c => c.Name, StringComparer.Ordinal);
        foreach (var record in Records)
        {
            for (var i = 0; i < record.Fields.Count; i++) record.Fields[i].Position = i + 1;
        }
        for (var i = 0; i < VersionRecord.Fields.Count; i++) VersionRecord.Fields[i].Position = i + 1;
        foreach (var container in Containers)
        {
            container.Opener = container.OpenedBy is null ? null : RecordsByNumber[container.OpenedBy];
        }
    }

    public RecordLayout? Find(string recordNumber) => RecordsByNumber.GetValueOrDefault(recordNumber);

    /// <summary>
    /// System.Text.Json's string-enum converters also take numbers ("required": 3): a layout value outside an enum would
    /// silently switch a check off, so loading refuses it.
    /// </summary>
    internal void CheckEnums()
    {
        if (!Enum.IsDefined(EraStyle)) throw new InvalidDataException($"The {Format} layout has an unknown eraStyle.");
        foreach (var (record, field) in Records.SelectMany(r => r.Fields.Select(f => (r.Number, f)))
                     .Concat(VersionRecord.Fields.Select(f => ("version", f))))
        {
            if (!Enum.IsDefined(field.Type) || !Enum.IsDefined(field.Required) || field.Format is { } format && !Enum.IsDefined(format))
                throw new InvalidDataException($"The {Format} layout's record {record} field {field.Name} has a type, required or format value that is not one of the documented ones.");
        }
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<EraStyle>))]
public enum EraStyle
{
    /// <summary>GYYMMDD with G a digit: 1 明治 (Meiji) … 5 令和 (Reiwa). The prescription format.</summary>
    Digit,
    /// <summary>GYYMMDD with G a letter: M T S H R. The notebook format.</summary>
    Letter,
}

public sealed class VersionRecordLayout
{
    public required string Pattern { get; init; }
    public IReadOnlyList<FieldLayout> Fields { get; init; } = [];
}

public sealed class ContainerLayout
{
    public required string Name { get; init; }
    /// <summary>The record number that starts an instance of this container, if any.</summary>
    public string? OpenedBy { get; init; }
    /// <summary>Field positions that every record inside must repeat from the opener (e.g. RP番号, RP number).</summary>
    public IReadOnlyList<int> Key { get; init; } = [];
    /// <summary>Whether two instances in one parent may share a key (an RP number names one RP; the notebook's drugs share their RP's).</summary>
    public bool UniqueKey { get; init; } = true;
    /// <summary>An implicit container opens when a record that belongs in it arrives; a change of key starts the next one.</summary>
    public bool Implicit { get; init; }
    /// <summary>For an implicit container: the containers it may stand in.</summary>
    public IReadOnlyList<string> In { get; init; } = [];
    /// <summary>For an implicit container: its position among the records of its parent.</summary>
    public int Order { get; init; }
    public string Occurs { get; init; } = "0..n";

    [JsonIgnore] public RecordLayout? Opener { get; internal set; }
}

public sealed class RecordLayout
{
    public required string Number { get; init; }
    public required string Name { get; init; }
    public required string EnglishName { get; init; }
    public string In { get; init; } = "document";
    public int Order { get; init; }
    public string Occurs { get; init; } = "0..n";
    public string? Opens { get; init; }
    public string? Note { get; init; }
    /// <summary>
    /// The last field may come after empty padding fields (a JAHIS example writes record 411 with 8 fields, its レコード作成者
    /// last): the reader moves it back to its place and warns.
    /// </summary>
    public bool PaddedLastField { get; init; }
    public IReadOnlyList<FieldLayout> Fields { get; init; } = [];

    [JsonIgnore] public int MinOccurs => Occurs.StartsWith('1') ? 1 : 0;
    [JsonIgnore] public bool Repeats => Occurs.EndsWith('n');

    /// <summary>"201 (薬品, drug)": how messages name the record.</summary>
    public override string ToString() => $"{Number} ({Name}, {EnglishName})";
}

public sealed class FieldLayout
{
    public required string Name { get; init; }
    public required string EnglishName { get; init; }
    public FieldType Type { get; init; } = FieldType.N;
    public int? MaxChars { get; init; }
    public int? MaxBytes { get; init; }
    public int? ExactLength { get; init; }
    public FieldRequirement Required { get; init; } = FieldRequirement.No;
    /// <summary>Required when this holds; with <c>required</c> "toPatient", required when both hold.</summary>
    public FieldCondition? RequiredWhen { get; init; }
    public FieldCondition? EmptyWhen { get; init; }
    /// <summary>For digits: the smallest number allowed (e.g. 1 for a part number).</summary>
    public int? MinValue { get; init; }
    /// <summary>For digits: the number may not exceed the number in this field of the record (データ連番 ≤ 分割数).</summary>
    public int? AtMostField { get; init; }
    /// <summary>The value must equal the value of this field in some record of the document (an OTC ingredient's OTC record).</summary>
    public FieldReference? References { get; init; }
    public string? Codes { get; init; }
    public FieldFormat? Format { get; init; }
    public int? SinceVersion { get; init; }
    public string? Note { get; init; }

    /// <summary>1-based position after the record number.</summary>
    [JsonIgnore] public int Position { get; internal set; }

    /// <summary>"医療機関コード (institutionCode)": how messages name the field.</summary>
    [JsonIgnore] public string Label => $"{Name} / {EnglishName}";
}

public sealed class FieldCondition
{
    /// <summary>
    /// Null: the field is one of the same record. Else a record of the groups this record stands in (e.g. "11", the dispensing
    /// institution of the block); the condition fails when there is none.
    /// </summary>
    public string? Record { get; init; }
    public int Field { get; init; }
    public IReadOnlyList<string> In { get; init; } = [];
    /// <summary>Instead of <see cref="In"/>: the condition holds for every value but these (an empty value included).</summary>
    public IReadOnlyList<string>? NotIn { get; init; }
    /// <summary>
    /// For <c>emptyWhen</c>: a breach is only a warning, where the JAHIS specification's own examples break the rule
    /// (readers must accept those examples).
    /// </summary>
    public bool Warning { get; init; }
    /// <summary>A further condition that must hold as well.</summary>
    public FieldCondition? And { get; init; }

    public bool Matches(string value) => NotIn is { } notIn
        ? !notIn.Contains(value, StringComparer.Ordinal)
        : In.Contains(value, StringComparer.Ordinal);

    /// <summary>"is one of 2, 3" or "is not one of 9, 10": how messages state the values.</summary>
    public string DescribeValues() => NotIn switch
    {
        [""] => "is given",
        { } notIn => $"is not one of {string.Join(", ", notIn)}",
        _ => $"is one of {string.Join(", ", In)}",
    };
}

public sealed class FieldReference
{
    public required string Record { get; init; }
    public int Field { get; init; }
}

public sealed class CodeList
{
    public string Title { get; init; } = "";
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();
}

/// <summary>JAHIS field types.</summary>
[JsonConverter(typeof(FieldTypeConverter))]
public enum FieldType
{
    /// <summary>Type 9: digits only.</summary>
    Digits,
    /// <summary>Type X: single-byte characters (ASCII alphanumerics and symbols, half-width katakana).</summary>
    X,
    /// <summary>Type N: any text, full-width and half-width mixed.</summary>
    N,
}

[JsonConverter(typeof(JsonStringEnumConverter<FieldRequirement>))]
public enum FieldRequirement
{
    No,
    /// <summary>◎ in the JAHIS tables.</summary>
    Yes,
    /// <summary>● in the JAHIS tables: at least one of the record's oneOf fields.</summary>
    OneOf,
    /// <summary>"P" in the notebook tables: required when the output kind (出力区分) is 1, institution to patient.</summary>
    ToPatient,
}

[JsonConverter(typeof(JsonStringEnumConverter<FieldFormat>))]
public enum FieldFormat
{
    Date,
    PartialDate,
    Quantity,
    PostalCode,
    InsurerNumber,
    Weight,
}

internal sealed class FieldTypeConverter : System.Text.Json.Serialization.JsonConverter<FieldType>
{
    public override FieldType Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        reader.GetString() switch
        {
            "9" => FieldType.Digits,
            "X" => FieldType.X,
            "N" => FieldType.N,
            var other => throw new System.Text.Json.JsonException($"Unknown JAHIS field type '{other}'; expected 9, X or N."),
        };

    public override void Write(System.Text.Json.Utf8JsonWriter writer, FieldType value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(value switch { FieldType.Digits => "9", FieldType.X => "X", _ => "N" });
}
