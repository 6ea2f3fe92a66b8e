using System.Diagnostics;

namespace EPrescription.Server.Failures;

/// <summary>
/// What may be logged of an exception: its type, its inner exceptions' types and where in this service's code it was thrown
/// (method, file, line). Never its message: messages of readers, parsers and database drivers quote the values they choke
/// on, and those values are names, birth dates and insurance numbers (SPEC §9).
/// </summary>
public static class ExceptionSummary
{
    public static string Of(Exception exception)
    {
        var types = new List<string>();
        for (var e = exception; e is not null && types.Count < 5; e = e.InnerException) types.Add(e.GetType().Name);
        var location = Location(exception);
        return string.Join(" <- ", types) + (location is null ? "" : " at " + location);
    }

    /// <summary>The frame nearest the throw that is EPrescription code, else the throw itself: where a developer starts looking.</summary>
    private static string? Location(Exception exception)
    {
        var frames = new StackTrace(exception, fNeedFileInfo: true).GetFrames();
        var frame = frames.FirstOrDefault(f => f.GetMethod()?.DeclaringType?.FullName?.StartsWith("EPrescription.", StringComparison.Ordinal) == true)
            ?? frames.FirstOrDefault();
        var method = frame?.GetMethod();
        if (method is null) return null;
        var type = method.DeclaringType;
        // Async methods run in a generated state machine named <Method>d__N; show the method.
        var name = type is not null && type.Name.StartsWith('<') && type.DeclaringType is not null
            ? $"{type.DeclaringType.FullName}.{type.Name[1..type.Name.IndexOf('>')]}"
            : $"{type?.FullName}.{method.Name}";
        var file = frame!.GetFileName();
        return file is null ? name : $"{name} ({Path.GetFileName(file)}:{frame.GetFileLineNumber()})";
    }
}
