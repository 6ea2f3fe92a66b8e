using EPrescription.Formats.Values;

namespace EPrescription.Formats.Prescriptions;

// The typed view of a JAHIS outpatient prescription (院外処方箋, JAHIS.md §2). Codes stay strings as written so a prescription
// read and written again is the same text; their values are listed beside each property. Lists are never null.

/// <summary>A prescription as the JAHIS QR text carries it, records 1 … 82 and its RPs.</summary>
public sealed record Prescription
{
    /// <summary>The number in the version record: 10 for JAHIS10.</summary>
    public required int Version { get; init; }
    public required Institution Institution { get; init; }
    /// <summary>診療科 (record 4).</summary>
    public Department? Department { get; init; }
    /// <summary>医師 (record 5).</summary>
    public required Prescriber Doctor { get; init; }
    public required Patient Patient { get; init; }
    public required Insurance Insurance { get; init; }
    /// <summary>第一/第二/第三公費 (records 27–29), in their order.</summary>
    public IReadOnlyList<PublicFund> PublicFunds { get; init; } = [];
    /// <summary>特殊公費 (record 30).</summary>
    public SpecialPublicFund? SpecialPublicFund { get; init; }
    /// <summary>レセプト種別 (record 31), 4 digits such as 1112.</summary>
    public string? ClaimType { get; init; }
    /// <summary>処方箋交付年月日 (record 51).</summary>
    public required DateOnly IssueDate { get; init; }
    /// <summary>使用期限年月日 (record 52), only when the prescriber set a special expiry.</summary>
    public DateOnly? ExpiryDate { get; init; }
    /// <summary>麻薬施用 (record 61).</summary>
    public Narcotics? Narcotics { get; init; }
    /// <summary>残薬確認欄 (record 62): 1 dispense after asking the prescriber, 2 dispense and inform the prescriber.</summary>
    public string? LeftoverCheck { get; init; }
    /// <summary>分割指示 (record 63).</summary>
    public SplitInstruction? SplitInstruction { get; init; }
    /// <summary>リフィル処方箋 総使用回数 (record 64): how often a refill prescription may be used.</summary>
    public int? RefillTotalUses { get; init; }
    /// <summary>備考 (record 81).</summary>
    public IReadOnlyList<Remark> Remarks { get; init; } = [];
    /// <summary>処方箋番号 (record 82): the 引換番号 from the national e-prescription service.</summary>
    public PrescriptionNumber? PrescriptionNumber { get; init; }
    /// <summary>剤グループ (RPs), from record 101 on.</summary>
    public IReadOnlyList<Rp> Rps { get; init; } = [];
}

/// <summary>医療機関 (records 1–3).</summary>
public sealed record Institution
{
    /// <summary>医療機関コード種別 = 点数表: 1 医科 (medical), 3 歯科 (dental), 6 訪問 (⚠ probably home-visit nursing).</summary>
    public required string CodeKind { get; init; }
    /// <summary>医療機関コード: the 7-digit claims code.</summary>
    public required string Code { get; init; }
    /// <summary>都道府県コード: 01 … 47.</summary>
    public required string Prefecture { get; init; }
    public string? Name { get; init; }
    public string? PostalCode { get; init; }
    /// <summary>所在地.</summary>
    public string? Address { get; init; }
    public string? Phone { get; init; }
    public string? Fax { get; init; }
    /// <summary>その他連絡先.</summary>
    public string? OtherContact { get; init; }

    /// <summary>
    /// 医療機関番号: prefecture (2) + 点数表 (1) + code (7), the 10 digits other systems (FHIR, the national service) name an
    /// institution by. An empty code kind counts as 1 医科, as the JAHIS table says.
    /// </summary>
    public string InstitutionNumber => Prefecture + (CodeKind.Length == 0 ? "1" : CodeKind) + Code;
}

/// <summary>診療科 (record 4).</summary>
/// <param name="CodeKind">診療科コード種別: 1 no code, 2 診療科コード.</param>
public sealed record Department(string CodeKind, string? Code, string Name);

/// <summary>医師 (record 5).</summary>
public sealed record Prescriber(string? Code, string? KanaName, string Name);

/// <summary>患者 (records 11–14).</summary>
public sealed record Patient
{
    public string? Code { get; init; }
    public string? Name { get; init; }
    /// <summary>カナ氏名, half-width katakana.</summary>
    public string? KanaName { get; init; }
    /// <summary>性別: 1 male, 2 female.</summary>
    public required string Sex { get; init; }
    /// <summary>生年月日, possibly only year and month or year. Era input (3350606) is written back as YYYYMMDD.</summary>
    public required JahisDate BirthDate { get; init; }
    /// <summary>一部負担金区分: 1 高齢者一般, 2 高齢者7割, 3 未就学 (under school age), 4 高齢者一般 (legacy), 5 高齢者8割.</summary>
    public string? CopayClass { get; init; }
}

/// <summary>保険 (records 21–25).</summary>
public sealed record Insurance
{
    /// <summary>保険種別: 1 医保, 2 国保, 3 労災, 4 自賠, 5 公害, 6 自費, 7 後期高齢者.</summary>
    public string? Kind { get; init; }
    /// <summary>保険者番号; the record is required but may be empty.</summary>
    public string? InsurerNumber { get; init; }
    /// <summary>被保険者証記号.</summary>
    public string? CardSymbol { get; init; }
    /// <summary>被保険者証番号.</summary>
    public string? CardNumber { get; init; }
    /// <summary>被保険者/被扶養者: 1 insured, 2 dependant.</summary>
    public required string InsuredRelation { get; init; }
    /// <summary>被保険者証枝番, 2 digits, from JAHIS7 on.</summary>
    public string? BranchNumber { get; init; }
    /// <summary>患者負担率 (%).</summary>
    public int? CopayRate { get; init; }
    /// <summary>保険給付率 (%).</summary>
    public int? BenefitRate { get; init; }
    /// <summary>職務上の事由: 1 職務上, 2 下船後3月以内, 3 通勤災害.</summary>
    public string? WorkRelated { get; init; }
}

/// <summary>公費 (records 27–29).</summary>
/// <param name="Order">1 第一, 2 第二, 3 第三.</param>
/// <param name="PayerNumber">公費負担者番号.</param>
/// <param name="RecipientNumber">公費受給者番号.</param>
public sealed record PublicFund(int Order, string PayerNumber, string? RecipientNumber);

/// <summary>特殊公費 (record 30): numbers that are not 8/7 digits.</summary>
public sealed record SpecialPublicFund(string PayerNumber, string? RecipientNumber);

/// <summary>麻薬施用 (record 61).</summary>
public sealed record Narcotics(string? LicenseNumber, string PatientAddress, string PatientPhone);

/// <summary>分割指示 (record 63): this sheet is split <paramref name="SplitIndex"/> of <paramref name="SplitCount"/>.</summary>
public sealed record SplitInstruction(int SplitCount, int SplitIndex);

/// <summary>備考 (record 81).</summary>
/// <param name="Kind">備考種別: 1 一包化, 2 粉砕, 3 分割.</param>
public sealed record Remark(int Sequence, string? Kind, string Text);

/// <summary>処方箋番号 (record 82).</summary>
/// <param name="Kind">処方箋番号種別: 1 引換番号 (exchange code).</param>
public sealed record PrescriptionNumber(string Kind, string Number);

/// <summary>One RP (剤グループ): drugs taken the same way, records 101 … 281.</summary>
public sealed record Rp
{
    /// <summary>RP番号.</summary>
    public required int Number { get; init; }
    /// <summary>剤形区分: 1 内服 (oral), 2 頓服 (as needed), 3 外用 (external), 4 内服滴剤, 5 注射, 6 医療材料, 9 不明.</summary>
    public required string DosageFormClass { get; init; }
    /// <summary>剤形名称, only for 剤形区分 9.</summary>
    public string? DosageFormName { get; init; }
    /// <summary>調剤数量: days for 内服, doses for 頓服, days or times otherwise; 1 when the doses are totals.</summary>
    public required int Quantity { get; init; }
    /// <summary>分割指示調剤数量 (record 102).</summary>
    public SplitQuantity? SplitQuantity { get; init; }
    /// <summary>用法 (record 111).</summary>
    public required Directions Directions { get; init; }
    /// <summary>用法補足 (record 181).</summary>
    public IReadOnlyList<DirectionsSupplement> Supplements { get; init; } = [];
    public IReadOnlyList<PrescribedDrug> Drugs { get; init; } = [];
}

/// <summary>分割指示調剤数量 (record 102).</summary>
public sealed record SplitQuantity(int QuantityPerSplit, int TotalQuantity);

/// <summary>用法 (record 111).</summary>
/// <param name="CodeKind">用法コード種別: 1 no code, 2 JAMI 16-character code.</param>
/// <param name="TimesPerDay">1日回数, null when unknown.</param>
public sealed record Directions(string CodeKind, string? Code, string Name, int? TimesPerDay);

/// <summary>用法補足 (record 181).</summary>
/// <param name="Kind">用法補足区分: 1 漸減, 2 一包化, 3 隔日, 4 粉砕, 5 用法の続き, 6 部位, 7 1回使用量, 8 JAMI補足用法, 9 JAMI部位.</param>
public sealed record DirectionsSupplement(int Sequence, string? Kind, string Text, string? SupplementaryDirectionsCode, string? SiteCode);

/// <summary>薬品 (record 201) with its records 211 … 281.</summary>
public sealed record PrescribedDrug
{
    /// <summary>RP内連番.</summary>
    public required int Sequence { get; init; }
    /// <summary>情報区分: 1 医薬品, 2 医療材料, 3 非保険薬.</summary>
    public string? InformationKind { get; init; }
    /// <summary>薬品コード種別: 1 no code, 2 レセ電, 3 厚生省 (薬価基準), 4 YJ, 6 HOT, 7 一般名コード (generic name).</summary>
    public required string CodeKind { get; init; }
    public string? Code { get; init; }
    public string? Name { get; init; }
    /// <summary>用量 as a canonical JAHIS quantity; for 内服 the daily dose.</summary>
    public required string Dose { get; init; }
    /// <summary>力価フラグ: 1 product unit, 2 potency unit.</summary>
    public required string PotencyFlag { get; init; }
    /// <summary>単位名.</summary>
    public required string Unit { get; init; }
    /// <summary>単位変換係数 (record 211): dose × factor = quantity in the official price unit.</summary>
    public string? UnitConversionFactor { get; init; }
    /// <summary>不均等 (record 221).</summary>
    public IReadOnlyList<UnevenDose> UnevenDoses { get; init; } = [];
    /// <summary>負担区分 (record 231).</summary>
    public FundBurden? FundBurden { get; init; }
    /// <summary>1回服用量 (record 241).</summary>
    public SingleDose? SingleDose { get; init; }
    /// <summary>薬品補足 (record 281).</summary>
    public IReadOnlyList<DrugSupplement> Supplements { get; init; } = [];
}

/// <summary>One dose of an uneven schedule (不均等, record 221): the n-th 服用量 and its JAMI code.</summary>
public sealed record UnevenDose(string Dose, string? Code);

/// <summary>負担区分 (record 231): per fund, 1 when it pays for this drug.</summary>
public sealed record FundBurden(string? First, string? Second, string? Third, string? Special);

/// <summary>1回服用量 (record 241); the dose is free text such as 2/3.</summary>
public sealed record SingleDose(string Dose, int? TimesPerDay);

/// <summary>薬品補足 (record 281).</summary>
/// <param name="Kind">薬品補足区分: 1 一包化, 2 粉砕, 3 後発品変更不可, 4 剤形変更不可, 5 含量規格変更不可, 6 剤形・含量規格変更不可, 7 JAMI補足用法, 8 先発医薬品患者希望.</param>
public sealed record DrugSupplement(int Sequence, string? Kind, string Text, string? SupplementaryDirectionsCode);
