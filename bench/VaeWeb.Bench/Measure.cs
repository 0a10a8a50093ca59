using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace VaeWeb.Bench;

/// <summary>Median, minimum and maximum of repeated measurements.</summary>
public sealed record Stat(double Median, double Min, double Max, int Runs)
{
    public static Stat Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("No measurements.", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Stat(median, sorted[0], sorted[^1], sorted.Length);
    }
}

/// <summary>One line of the results table; the ratio is this figure's median over its baseline's median.</summary>
public sealed record Row(string Section, string Name, Stat Value, string Unit, string? Baseline, double? Ratio, string? Note);

public static class Measure
{
    /// <summary>Runs <paramref name="run"/> <paramref name="runs"/> times and collects what it returns.</summary>
    public static Stat Repeat(int runs, Func<double> run)
    {
        var values = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            values.Add(run());
        }

        return Stat.Of(values);
    }

    /// <summary>
    /// Milliseconds per call: each run times enough back-to-back calls to last about
    /// <paramref name="runSeconds"/> (so timer resolution and one-off stalls matter little).
    /// </summary>
    public static Stat Latency(int runs, Action op, double runSeconds = 0.25)
    {
        op();
        var probe = Stopwatch.StartNew();
        op();
        var once = Math.Max(probe.Elapsed.TotalSeconds, 1e-6);
        var iterations = (int)Math.Clamp(runSeconds / once, 1, 10_000);
        return Repeat(runs, () =>
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < iterations; i++)
            {
                op();
            }

            return clock.Elapsed.TotalMilliseconds / iterations;
        });
    }

    /// <summary>Peak resident set size of this process so far (VmHWM), in MiB; null off Linux.</summary>
    public static double? PeakRssMiB() => ReadStatusKb("VmHWM:") is { } kb ? kb / 1024.0 : null;

    public static double? RssMiB() => ReadStatusKb("VmRSS:") is { } kb ? kb / 1024.0 : null;

    private static long? ReadStatusKb(string key)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var digits = new string(line.AsSpan(key.Length).Trim().ToString().TakeWhile(char.IsDigit).ToArray());
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }
}

/// <summary>Collects rows and renders them as one Markdown table.</summary>
public sealed class Report
{
    private readonly List<Row> rows = [];
    private readonly List<string> notes = [];

    public IReadOnlyList<Row> Rows => rows;

    public Row Add(string section, string name, Stat value, string unit, string? baseline = null, Stat? baselineValue = null, string? note = null)
    {
        var row = new Row(section, name, value, unit, baseline, baselineValue is null ? null : value.Median / baselineValue.Median, note);
        rows.Add(row);
        Console.WriteLine($"  {section,-10} {name,-44} {Format(value.Median),10} {unit,-10} (min {Format(value.Min)}, max {Format(value.Max)}, n={value.Runs}){(row.Ratio is { } r ? $"  ×{r:0.000} of {baseline}" : "")}");
        return row;
    }

    public void Note(string text)
    {
        notes.Add(text);
        Console.WriteLine($"  note: {text}");
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("| section | figure | median | min | max | unit | runs | ratio to baseline (same run) | note |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | --- | ---: | --- | --- |");
        foreach (var r in rows)
        {
            var ratio = r.Ratio is { } x ? string.Create(CultureInfo.InvariantCulture, $"{x:0.000} × {r.Baseline}") : "baseline";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Section} | {r.Name} | {Format(r.Value.Median)} | {Format(r.Value.Min)} | {Format(r.Value.Max)} | {r.Unit} | {r.Value.Runs} | {ratio} | {r.Note} |");
        }

        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var n in notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {n}");
            }
        }

        return md.ToString();
    }

    public static string Format(double value) => value switch
    {
        >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("0.0", CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.00", CultureInfo.InvariantCulture),
        _ => value.ToString("0.000", CultureInfo.InvariantCulture),
    };
}
