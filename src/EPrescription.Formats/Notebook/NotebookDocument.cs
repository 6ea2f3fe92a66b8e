using EPrescription.Formats.Values;

namespace EPrescription.Formats.Notebook;

// The typed view of a JAHIS e-medication notebook document (電子版お薬手帳, JAHIS.md §4). Codes stay strings as written and
// dates keep their text (JahisDateText), so a document read and written again is the same text. Most records carry a
// レコード作成者 (record creator): 1 医療関係者 (healthcare professional), 2 患者等 (patient), 8 その他, 9 不明.

/// <summary>A notebook document: the patient, their own entries, and dispensing blocks (newest first).</summary>
public sealed record NotebookDocument
{
    /// <summary>The number in the version record: 8 for JAHISTC08.</summary>
    public required int Version { get; init; }
    /// <summary>出力区分: 1 institution or pharmacy to patient, 2 patient to institution or pharmacy.</summary>
    public required string OutputKind { get; init; }
    public required NotebookPatient Patient { get; init; }
    /// <summary>患者特記 (record 2): allergies, side effects, history.</summary>
    public IReadOnlyList<PatientNote> PatientNotes { get; init; } = [];
    /// <summary>要指導医薬品・一般用医薬品 (record 3): over-the-counter drugs the patient takes.</summary>
    public IReadOnlyList<OtcDrug> OtcDrugs { get; init; } = [];
    /// <summary>手帳メモ (record 4).</summary>
    public IReadOnlyList<NotebookMemo> Memos { get; init; } = [];
    /// <summary>調剤 (records 5 … 601): one per dispensing.</summary>
    public IReadOnlyList<DispensingBlock> DispensingBlocks { get; init; } = [];
    /// <summary>かかりつけ薬剤師 (record 701).</summary>
    public IReadOnlyList<PrimaryPharmacist> PrimaryPharmacists { get; init; } = [];
    /// <summary>分割制御 (record 911): present only in one part of a split document.</summary>
    public SplitControl? SplitControl { get; init; }
}

/// <summary>患者情報 (record 1).</summary>
public sealed record NotebookPatient
{
    public required string Name { get; init; }
    /// <summary>性別: 1 male, 2 female.</summary>
    public required string Sex { get; init; }
    /// <summary>生年月日: YYYYMMDD or with an era letter (S220101).</summary>
    public required JahisDateText BirthDate { get; init; }
    public string? PostalCode { get; init; }
    public string? Address { get; init; }
    public string? Phone { get; init; }
    /// <summary>緊急連絡先.</summary>
    public string? EmergencyContact { get; init; }
    /// <summary>血液型, free text.</summary>
    public string? BloodType { get; init; }
    /// <summary>体重 in kg, as written (63.7).</summary>
    public string? Weight { get; init; }
    /// <summary>患者氏名カナ.</summary>
    public string? KanaName { get; init; }
}

/// <summary>患者特記 (record 2).</summary>
/// <param name="Kind">患者特記種別: 1 アレルギー歴 (allergy), 2 副作用歴 (side effect), 3 既往歴 (history), 9 その他.</param>
public sealed record PatientNote(string Kind, string Text, string Creator);

/// <summary>要指導医薬品・一般用医薬品服用 (record 3) with its ingredients (record 31).</summary>
public sealed record OtcDrug
{
    public required string Name { get; init; }
    public JahisDateText? StartDate { get; init; }
    public JahisDateText? EndDate { get; init; }
    public required string Creator { get; init; }
    /// <summary>レコード通番: what the ingredient records refer to.</summary>
    public int? Sequence { get; init; }
    public string? JanCode { get; init; }
    public IReadOnlyList<OtcIngredient> Ingredients { get; init; } = [];
}

/// <summary>要指導医薬品・一般用医薬品成分 (record 31).</summary>
/// <param name="CodeKind">コード種別: 1 none, 2 成分名コード.</param>
public sealed record OtcIngredient(string Name, string CodeKind, string? Code, string Creator);

/// <summary>手帳メモ (record 4).</summary>
public sealed record NotebookMemo(string Text, JahisDateText? Date, string Creator);

/// <summary>A free-text record and who wrote it: 薬品補足, 服用注意, 用法補足, 残薬確認, 備考 and the like.</summary>
public sealed record NotebookEntry(string Text, string Creator);

/// <summary>One dispensing (調剤等, record 5 and what follows it up to the next record 5).</summary>
public sealed record DispensingBlock
{
    /// <summary>調剤等年月日.</summary>
    public required JahisDateText Date { get; init; }
    public required string Creator { get; init; }
    /// <summary>調剤－医療機関等 (record 11): the pharmacy, or the clinic when it dispensed itself.</summary>
    public DispensingInstitution? DispensingInstitution { get; init; }
    /// <summary>調剤－医師・薬剤師 (record 15).</summary>
    public Dispenser? Dispenser { get; init; }
    /// <summary>処方－医療機関 (record 51).</summary>
    public PrescribingInstitution? PrescribingInstitution { get; init; }
    /// <summary>RPs that no prescribing doctor (record 55) precedes.</summary>
    public IReadOnlyList<NotebookRp> Rps { get; init; } = [];
    /// <summary>処方－医師 (record 55), each with the RPs that follow it.</summary>
    public IReadOnlyList<PrescribingDoctor> PrescribingDoctors { get; init; } = [];
    /// <summary>服用注意 (record 401).</summary>
    public IReadOnlyList<NotebookEntry> Cautions { get; init; } = [];
    /// <summary>医療機関等提供情報 (record 411).</summary>
    public IReadOnlyList<ProvidedInfo> ProvidedInfo { get; init; } = [];
    /// <summary>残薬確認 (record 421).</summary>
    public IReadOnlyList<NotebookEntry> Leftovers { get; init; } = [];
    /// <summary>備考 (record 501).</summary>
    public IReadOnlyList<NotebookEntry> Remarks { get; init; } = [];
    /// <summary>患者等記入 (record 601).</summary>
    public IReadOnlyList<PatientEntry> PatientEntries { get; init; } = [];

    /// <summary>Every RP of the block, the block's own first, then each doctor's.</summary>
    public IEnumerable<NotebookRp> AllRps => Rps.Concat(PrescribingDoctors.SelectMany(d => d.Rps));
}

/// <summary>調剤－医療機関等 (record 11).</summary>
/// <param name="ScoreTable">点数表: 1 医科, 3 歯科, 4 調剤 (pharmacy).</param>
public sealed record DispensingInstitution(
    string Name, string? Prefecture, string? ScoreTable, string? Code, string? PostalCode, string? Address, string? Phone, string Creator);

/// <summary>調剤－医師・薬剤師 (record 15): the pharmacist, or the doctor who dispensed.</summary>
public sealed record Dispenser(string Name, string? Contact, string Creator);

/// <summary>処方－医療機関 (record 51).</summary>
/// <param name="ScoreTable">点数表: 1 医科, 3 歯科.</param>
public sealed record PrescribingInstitution(string Name, string? Prefecture, string? ScoreTable, string? Code, string Creator);

/// <summary>処方－医師 (record 55) and the RPs that follow it.</summary>
public sealed record PrescribingDoctor
{
    public required string Name { get; init; }
    /// <summary>診療科名.</summary>
    public string? Department { get; init; }
    public required string Creator { get; init; }
    public IReadOnlyList<NotebookRp> Rps { get; init; } = [];
}

/// <summary>One RP of a dispensing: its drugs (201) and directions (301), keyed by RP番号.</summary>
public sealed record NotebookRp
{
    public required int Number { get; init; }
    public IReadOnlyList<NotebookDrug> Drugs { get; init; } = [];
    /// <summary>用法 (record 301); required by JAHIS, null only in a document that lacks it.</summary>
    public NotebookDirections? Directions { get; init; }
    /// <summary>用法補足 (record 311).</summary>
    public IReadOnlyList<NotebookEntry> DirectionsSupplements { get; init; } = [];
    /// <summary>処方服用注意 (record 391).</summary>
    public IReadOnlyList<NotebookEntry> Cautions { get; init; } = [];
}

/// <summary>薬品 (record 201) with its supplements (281) and cautions (291).</summary>
public sealed record NotebookDrug
{
    /// <summary>薬品名称: the drug actually dispensed.</summary>
    public required string Name { get; init; }
    /// <summary>用量: daily for 内服, single for 屯服, total for 外用 and most others.</summary>
    public string? Dose { get; init; }
    public string? Unit { get; init; }
    /// <summary>薬品コード種別: 1 none, 2 レセ電, 3 厚労省, 4 YJ, 6 HOT.</summary>
    public string? CodeKind { get; init; }
    public string? Code { get; init; }
    public required string Creator { get; init; }
    /// <summary>一般名, e.g. 【般】アムロジピン錠２．５ｍｇ.</summary>
    public string? GenericName { get; init; }
    /// <summary>一般名コード種別: 1 none, 2 一般名コード.</summary>
    public string? GenericNameCodeKind { get; init; }
    public string? GenericNameCode { get; init; }
    /// <summary>薬品補足 (record 281).</summary>
    public IReadOnlyList<NotebookEntry> Supplements { get; init; } = [];
    /// <summary>薬品服用注意 (record 291).</summary>
    public IReadOnlyList<NotebookEntry> Cautions { get; init; } = [];
}

/// <summary>用法 (record 301).</summary>
public sealed record NotebookDirections
{
    /// <summary>用法名称.</summary>
    public string? Name { get; init; }
    /// <summary>調剤数量: days (内服), doses (屯服) or 1.</summary>
    public int? Quantity { get; init; }
    /// <summary>調剤単位: 日分, 回分 or 調剤.</summary>
    public string? Unit { get; init; }
    /// <summary>剤形コード: 1 内服, 2 内滴, 3 屯服, 4 注射, 5 外用, 6 浸煎, 7 湯, 9 材料, 10 その他.</summary>
    public string? DosageFormCode { get; init; }
    /// <summary>用法コード種別: 1 none, 2 JAMI.</summary>
    public string? CodeKind { get; init; }
    public string? Code { get; init; }
    public required string Creator { get; init; }
}

/// <summary>医療機関等提供情報 (record 411).</summary>
/// <param name="Kind">提供情報種別: 30 adverse reaction during admission, 31 for the provider after discharge, 99 other.</param>
public sealed record ProvidedInfo(string Text, string Kind, string Creator);

/// <summary>患者等記入 (record 601): what the patient wrote, and when.</summary>
public sealed record PatientEntry(string Text, JahisDateText? Date);

/// <summary>かかりつけ薬剤師 (record 701).</summary>
public sealed record PrimaryPharmacist(string Name, string PharmacyName, string Contact, JahisDateText? StartDate, JahisDateText? EndDate, string Creator);

/// <summary>分割制御 (record 911): part <paramref name="PartNumber"/> of <paramref name="PartCount"/> of the data <paramref name="DataId"/>.</summary>
/// <param name="DataId">データ固有ID, 14 digits, the same in every part.</param>
public sealed record SplitControl(string DataId, int PartCount, int PartNumber);
