using System.Globalization;
using System.Net;
using System.Text;
using EPrescription.Formats.Prescriptions;
using EPrescription.Formats.Values;
using EPrescription.Server.Prescriptions;
using QRCoder;

namespace EPrescription.Server.Slips;

/// <summary>What the exchange slip (電子処方せん引換証) shows.</summary>
/// <param name="PrescriptionId">The prescription ID, hyphenated as printed, e.g. <c>7KQM4R-X9TB3H-PWC2DF</c>.</param>
/// <param name="ExchangeCode">引換番号: 6 digits.</param>
/// <param name="Prescription">The registered prescription: patient, clinic and drugs.</param>
/// <param name="IssuedOn">The issue date (Japan time).</param>
/// <param name="LastValidOn">The last date on which a pharmacy can accept the prescription.</param>
public sealed record SlipContent(
    string PrescriptionId,
    string ExchangeCode,
    Prescription Prescription,
    DateOnly IssuedOn,
    DateOnly LastValidOn)
{
    /// <summary>For a sheet of a split instruction: the IDs of the other sheets registered so far (same clinic, patient, issue date).</summary>
    public IReadOnlyList<string> SplitSiblings { get; init; } = [];
}

/// <summary>
/// The exchange slip (電子処方せん引換証) the patient takes to any pharmacy: one self-contained HTML page that prints on A5
/// portrait, with the prescription ID and exchange code in print and in a QR code. See <c>docs/slip.md</c>.
/// </summary>
public static class ExchangeSlip
{
    /// <summary>Versioned so a scanner can tell our QR code from any other and a later layout can change it.</summary>
    public const string QrPrefix = "EPRX1";

    // Above this many drug lines the slip switches to a denser layout, so a long prescription still fits one A5 page.
    private const int CompactFromDrugLines = 7;

    /// <summary>
    /// The QR payload: <c>EPRX1:&lt;hyphenated prescription ID&gt;:&lt;exchange code&gt;</c>. Every character is in the QR
    /// alphanumeric set, which keeps the symbol small.
    /// </summary>
    /// <exception cref="ArgumentException">The ID is not a valid prescription ID or the code is not 6 digits.</exception>
    public static string QrPayload(string prescriptionId, string exchangeCode)
    {
        if (!PrescriptionId.TryParse(prescriptionId, out var id))
            throw new ArgumentException($"'{prescriptionId}' is not a prescription ID.", nameof(prescriptionId));
        if (!ExchangeCode.TryParse(exchangeCode, out var code))
            throw new ArgumentException("The exchange code must be 6 digits.", nameof(exchangeCode));
        return $"{QrPrefix}:{id}:{code}";
    }

    public static string Render(SlipContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var payload = QrPayload(content.PrescriptionId, content.ExchangeCode);
        var id = PrescriptionId.Parse(content.PrescriptionId).ToString();
        var code = content.ExchangeCode.Trim();
        var rx = content.Prescription;
        var drugLines = rx.Rps.Sum(rp => Math.Max(1, rp.Drugs.Count));

        var html = new StringBuilder(16 * 1024);
        html.Append($"""
            <!DOCTYPE html>
            <html lang="ja">
            <head>
            <meta charset="utf-8">
            <title>電子処方箋引換証 {E(id)}</title>
            <style>{Css}</style>
            </head>
            <body>
            <main class="sheet{(drugLines >= CompactFromDrugLines ? " compact" : "")}">
            <header>
              <h1>電子処方箋引換証</h1>
              <p class="en">Electronic prescription exchange slip</p>
            </header>
            <section class="codes">
              <div class="numbers">
                <div class="label">処方箋ID <span class="en">Prescription ID</span></div>
                <div class="rxid">{E(id)}</div>
                <div class="label">引換番号 <span class="en">Exchange code</span></div>
                <div class="code">{E(code)}</div>
              </div>
              <div class="qr">{QrSvg(payload)}</div>
            </section>
            <p class="notice">この引換証を保険証（マイナ保険証）と一緒に薬局へお持ちください。<strong>{E(JapaneseDate(content.LastValidOn))}</strong>まで有効です。
            <span class="en">Take this slip with your health insurance card to any pharmacy by <strong>{E(WesternDate(content.LastValidOn))}</strong>.</span></p>
            <table class="facts">
              <tr><th>患者氏名<span class="en">Patient</span></th><td><span class="big">{E(rx.Patient.Name)}</span> <span class="kana">{E(Kana(rx.Patient.KanaName))}</span></td></tr>
              <tr><th>生年月日<span class="en">Date of birth</span></th><td>{E(BirthDate(rx.Patient.BirthDate))}　{E(Sex(rx.Patient.Sex))}</td></tr>
              <tr><th>医療機関<span class="en">Clinic</span></th><td>{E(rx.Institution.Name)}<br><span class="small">{Address(rx.Institution)}</span></td></tr>
              <tr><th>診療科・医師<span class="en">Dept. / Doctor</span></th><td>{E(rx.Department?.Name)}　{E(rx.Doctor.Name)}</td></tr>
              <tr><th>交付日<span class="en">Issued</span></th><td>{E(JapaneseDate(content.IssuedOn))} <span class="en">{E(WesternDate(content.IssuedOn))}</span></td></tr>
              <tr><th>有効期限<span class="en">Valid through</span></th><td><strong>{E(JapaneseDate(content.LastValidOn))}</strong> <span class="en">{E(WesternDate(content.LastValidOn))}</span></td></tr>
            {KindRows(rx, content.SplitSiblings)}</table>
            <table class="drugs">
              <thead><tr><th>RP</th><th>薬品 <span class="en">Drug</span></th><th>用量 <span class="en">Dose</span></th><th>用法 <span class="en">Directions</span></th><th>数量 <span class="en">Qty</span></th></tr></thead>
              <tbody>

            """);
        foreach (var rp in rx.Rps) AppendRp(html, rp);
        html.Append("""
              </tbody>
            </table>

            """);
        if (rx.Remarks.Count > 0)
            html.Append($"<p class=\"remarks\">備考 <span class=\"en\">Remarks</span>: {string.Join("　", rx.Remarks.Select(r => E(r.Text)))}</p>\n");
        html.Append("""
            </main>
            </body>
            </html>

            """);
        return html.ToString();
    }

    /// <summary>
    /// What kind of sheet it is, when it is not an ordinary one: a refill (リフィル, record 64) says how often it may be used and
    /// that the same slip serves every use; a sheet of a split instruction (分割指示, record 63) says which part it is.
    /// </summary>
    private static string KindRows(Prescription rx, IReadOnlyList<string> siblings)
    {
        var rows = new StringBuilder();
        if (rx.RefillTotalUses is { } uses and > 1)
        {
            rows.Append($"<tr class=\"refill\"><th>リフィル<span class=\"en\">Refill</span></th><td><strong>リフィル処方箋　総使用回数 {uses}回</strong> ")
                .Append($"<span class=\"en\">Refill prescription: may be used {uses} times. Keep this slip: every use needs it; ")
                .Append("the pharmacy tells you when the next use is due.</span></td></tr>\n");
        }
        if (rx.SplitInstruction is { } split)
        {
            rows.Append($"<tr class=\"split\"><th>分割指示<span class=\"en\">Split</span></th><td><strong>{split.SplitIndex} / {split.SplitCount}</strong> ")
                .Append($"（分割 {split.SplitCount}回のうち第{split.SplitIndex}回） <span class=\"en\">Part {split.SplitIndex} of {split.SplitCount}</span>");
            if (siblings.Count > 0)
            {
                rows.Append($"<br><span class=\"small\">他の分割回の処方箋ID <span class=\"en\">Other parts</span>: {string.Join("、", siblings.Select(E))}</span>");
            }
            rows.Append("</td></tr>\n");
        }
        return rows.ToString();
    }

    private static void AppendRp(StringBuilder html, Rp rp)
    {
        PrescribedDrug?[] drugs = rp.Drugs.Count > 0 ? [.. rp.Drugs] : [null];
        var rows = drugs.Length;
        var directions = E(rp.Directions.Name);
        if (rp.Supplements.Count > 0)
            directions += $"<br><span class=\"small\">{string.Join("　", rp.Supplements.Select(s => E(s.Text)))}</span>";

        for (var i = 0; i < rows; i++)
        {
            var drug = drugs[i];
            html.Append(i == 0 ? "<tr class=\"rp-start\">" : "<tr>");
            if (i == 0)
                html.Append($"<td rowspan=\"{rows}\" class=\"rp\">{rp.Number}<br><span class=\"form\">{E(DosageForm(rp))}</span></td>");
            var supplements = drug is null || drug.Supplements.Count == 0
                ? ""
                : $"<br><span class=\"small\">{string.Join("　", drug.Supplements.Select(s => E(s.Text)))}</span>";
            html.Append($"<td>{E(drug?.Name)}{supplements}</td><td class=\"dose\">{E(Dose(rp, drug))}</td>");
            if (i == 0)
                html.Append($"<td rowspan=\"{rows}\">{directions}</td><td rowspan=\"{rows}\" class=\"qty\">{E(Quantity(rp))}</td>");
            html.Append("</tr>\n");
        }
    }

    private static string QrSvg(string payload)
    {
        // Q (25 % recovery) survives a folded or smudged slip; the payload is short enough that the symbol stays version 3.
        using var data = QRCodeGenerator.GenerateQrCode(payload, QRCodeGenerator.ECCLevel.Q);
        var svg = new SvgQRCode(data).GetGraphic(10, "#000000", "#ffffff", drawQuietZones: false, SvgQRCode.SizingMode.ViewBoxAttribute);
        var start = svg.IndexOf("<svg", StringComparison.Ordinal);
        var open = svg.IndexOf('>', start);
        // The print size is fixed in CSS (.qr svg, with the quiet zone as white padding), so the code is the same size on every printer.
        return svg[..open] + " role=\"img\" aria-label=\"QR\"" + svg[open..];
    }

    private static string E(string? value) => WebUtility.HtmlEncode(value ?? "");

    private static string Kana(string? kana) => kana?.Normalize(NormalizationForm.FormKC) ?? "";

    private static string Sex(string sex) => sex switch
    {
        "1" => "男 Male",
        "2" => "女 Female",
        _ => "",
    };

    // Already encoded: each part is kept on one line so a phone number never breaks at its hyphen.
    private static string Address(Institution institution)
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(institution.PostalCode)) parts.Add("〒" + institution.PostalCode);
        if (!string.IsNullOrEmpty(institution.Address)) parts.Add(institution.Address);
        if (!string.IsNullOrEmpty(institution.Phone)) parts.Add("TEL " + institution.Phone);
        return string.Join(" ", parts.Select(p => $"<span class=\"nowrap\">{E(p)}</span>"));
    }

    private static string DosageForm(Rp rp) => rp.DosageFormClass switch
    {
        "1" => "内服",
        "2" => "頓服",
        "3" => "外用",
        "4" => "内服滴剤",
        "5" => "注射",
        "6" => "医療材料",
        _ => rp.DosageFormName ?? "",
    };

    // The JAHIS dose is the daily dose for 内服 and a single dose for 頓服; for the other forms it is the total.
    private static string Dose(Rp rp, PrescribedDrug? drug) => drug is null
        ? ""
        : rp.DosageFormClass switch { "1" => "1日", "2" => "1回", _ => "" } + drug.Dose + drug.Unit;

    private static string Quantity(Rp rp) => rp.DosageFormClass switch
    {
        "1" => $"{rp.Quantity}日分",
        "2" => $"{rp.Quantity}回分",
        _ => rp.Quantity.ToString(CultureInfo.InvariantCulture),
    };

    private static string BirthDate(JahisDate date) => date switch
    {
        { Month: { } m, Day: { } d } => $"{date.Year}年{m}月{d}日 ({WesternDate(new DateOnly(date.Year, m, d))})",
        { Month: { } m } => $"{date.Year}年{m}月 ({new DateOnly(date.Year, m, 1).ToString("MMM yyyy", CultureInfo.InvariantCulture)})",
        _ => $"{date.Year}年 ({date.Year})",
    };

    private static string JapaneseDate(DateOnly date) =>
        $"{date.Year}年{date.Month}月{date.Day}日({"日月火水木金土"[(int)date.DayOfWeek]})";

    private static string WesternDate(DateOnly date) => date.ToString("ddd d MMM yyyy", CultureInfo.InvariantCulture);

    private const string Css = """

        @page { size: A5 portrait; margin: 8mm 9mm; }
        * { box-sizing: border-box; }
        html, body { margin: 0; padding: 0; background: #fff; color: #000; }
        body {
          font-family: "Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAPGothic", "IPAGothic", "Hiragino Sans",
                       "Yu Gothic", "Meiryo", sans-serif;
          font-size: 9.5pt; line-height: 1.35;
          -webkit-print-color-adjust: exact; print-color-adjust: exact;
        }
        /* On screen the sheet is drawn at the printable size of the A5 page (148 mm less the @page margins). */
        .sheet { width: 130mm; margin: 0 auto; }
        @media screen { .sheet { margin: 8mm auto; } }
        header { display: flex; align-items: baseline; gap: 3mm; border-bottom: 0.6mm solid #000; padding-bottom: 1mm; }
        h1 { font-size: 16pt; margin: 0; letter-spacing: 0.1em; }
        .en { font-size: 0.78em; color: #333; font-weight: normal; }
        th .en { display: block; }
        .small { font-size: 0.85em; }
        .nowrap { white-space: nowrap; margin-right: 0.6em; }
        .codes { display: flex; justify-content: space-between; align-items: center; margin: 2.5mm 0 2mm; }
        .numbers .label { font-size: 8.5pt; font-weight: bold; }
        .rxid { font-family: "DejaVu Sans Mono", "Liberation Mono", "Consolas", "Menlo", monospace; font-size: 17pt; font-weight: bold;
                letter-spacing: 0.04em; margin: 0 0 1.5mm; white-space: nowrap; }
        .code { font-family: "DejaVu Sans Mono", "Liberation Mono", "Consolas", "Menlo", monospace; font-size: 24pt; font-weight: bold;
                letter-spacing: 0.25em; white-space: nowrap; }
        /* 32 mm symbol plus a quiet zone of over 4 modules: large enough for a phone or a pharmacy scanner reading paper. */
        .qr { padding: 4.5mm; background: #fff; margin-right: -4.5mm; }
        .qr svg { display: block; width: 32mm; height: 32mm; }
        .notice { border: 0.4mm solid #000; border-radius: 1.5mm; padding: 1.5mm 2.5mm; margin: 0 0 2mm; font-size: 9.5pt; }
        .notice .en { display: block; font-size: 8.5pt; }
        table { width: 100%; border-collapse: collapse; }
        .facts th, .facts td { border-bottom: 0.2mm solid #999; padding: 0.6mm 1.5mm; text-align: left; vertical-align: top; }
        .facts th { width: 27mm; font-size: 8.5pt; white-space: nowrap; }
        .facts .big { font-size: 12pt; font-weight: bold; }
        .kana { font-size: 9pt; }
        .drugs { margin-top: 2mm; font-size: 8.5pt; }
        .drugs th, .drugs td { border: 0.2mm solid #666; padding: 0.5mm 1.2mm; vertical-align: top; text-align: left; }
        .drugs thead th { background: #eee; font-size: 8pt; }
        .drugs .rp { text-align: center; width: 9mm; }
        .drugs .form { font-size: 7pt; }
        .drugs .dose, .drugs .qty { white-space: nowrap; }
        .drugs tr { break-inside: avoid; }
        .remarks { font-size: 8pt; margin: 1.5mm 0 0; }
        .compact { font-size: 8.5pt; line-height: 1.2; }
        .compact .drugs { font-size: 7.5pt; }
        .compact .drugs th, .compact .drugs td { padding: 0.2mm 1mm; }
        .compact .drugs thead th { font-size: 7pt; }
        .compact .drugs th .en { display: inline; }
        .compact .facts th, .compact .facts td { padding: 0.3mm 1.5mm; }
        .compact .facts th .en { display: inline; margin-left: 1mm; }

        """;
}
