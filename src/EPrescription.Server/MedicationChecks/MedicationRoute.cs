namespace EPrescription.Server.MedicationChecks;

/// <summary>
/// 投与経路: how a drug is taken. The same ingredient by another route is not a duplicate (同一成分同一投与経路). Drugs of
/// 医療材料 (medical material) and 不明 (unknown) RPs have no route and are not checked.
/// </summary>
public enum MedicationRoute
{
    /// <summary>内服 and 内服滴剤 together (and the notebook's 浸煎 and 湯, decoctions taken by mouth).</summary>
    Internal,
    /// <summary>頓服.</summary>
    AsNeeded,
    /// <summary>外用.</summary>
    External,
    /// <summary>注射.</summary>
    Injection,
}

public static class MedicationRoutes
{
    /// <summary>The name in the check's answer and in the medications table: internal, as-needed, external, injection.</summary>
    public static string Name(this MedicationRoute route) => route switch
    {
        MedicationRoute.Internal => "internal",
        MedicationRoute.AsNeeded => "as-needed",
        MedicationRoute.External => "external",
        MedicationRoute.Injection => "injection",
        _ => throw new ArgumentOutOfRangeException(nameof(route), route, null),
    };

    public static MedicationRoute Parse(string name) => name switch
    {
        "internal" => MedicationRoute.Internal,
        "as-needed" => MedicationRoute.AsNeeded,
        "external" => MedicationRoute.External,
        "injection" => MedicationRoute.Injection,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a medication route."),
    };

    /// <summary>
    /// The route of a prescription RP from its 剤形区分 (record 101 field 2): 1 内服 and 4 内服滴剤 internal, 2 頓服 as-needed,
    /// 3 外用 external, 5 注射 injection; 6 医療材料 and 9 不明 none.
    /// </summary>
    public static MedicationRoute? OfPrescriptionForm(string? dosageFormClass) => dosageFormClass?.Trim() switch
    {
        "1" or "4" => MedicationRoute.Internal,
        "2" => MedicationRoute.AsNeeded,
        "3" => MedicationRoute.External,
        "5" => MedicationRoute.Injection,
        _ => null,
    };

    /// <summary>
    /// The route of a notebook RP from its 剤形コード (record 301 field 5, numbered unlike the prescription's): 1 内服, 2 内滴,
    /// 6 浸煎 and 7 湯 internal, 3 屯服 as-needed, 4 注射 injection, 5 外用 external; 9 材料 and 10 その他 none.
    /// </summary>
    public static MedicationRoute? OfNotebookForm(string? dosageFormCode) =>
        int.TryParse(dosageFormCode?.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? code switch
            {
                1 or 2 or 6 or 7 => MedicationRoute.Internal,
                3 => MedicationRoute.AsNeeded,
                4 => MedicationRoute.Injection,
                5 => MedicationRoute.External,
                _ => null,
            }
            : null;
}
