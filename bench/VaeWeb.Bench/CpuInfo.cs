using System.Globalization;

namespace VaeWeb.Bench;

/// <summary>
/// The CPU a table was measured on: oneDNN picks different kernels on an AVX-512 Xeon, one with AMX
/// and an AMD Zen 5 with AVX-512 BF16, so figures from different kinds must never be compared as if
/// they came from one machine. <see cref="Kind"/> names the results file of each kind.
/// </summary>
public sealed record CpuInfo(string Model, string Vendor, int Family, int ModelNumber, IReadOnlyList<string> Flags)
{
    /// <summary>The instruction sets that change which kernels LibTorch runs.</summary>
    public static IReadOnlyList<string> FlagsThatMatter { get; } = ["avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8"];

    public static CpuInfo Read()
    {
        var lines = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0).ToList() : [];
        string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal) && l[name.Length..].TrimStart().StartsWith(':'))?.Split(':', 2)[1].Trim() ?? "";
        return new CpuInfo(
            Field("model name") is { Length: > 0 } m ? m : "unknown CPU",
            Field("vendor_id"),
            int.TryParse(Field("cpu family"), CultureInfo.InvariantCulture, out var family) ? family : 0,
            int.TryParse(Field("model"), CultureInfo.InvariantCulture, out var model) ? model : 0,
            FlagsThatMatter.Where(VaeWeb.Vae.CpuFeatures.Has).ToList());
    }

    public bool Has(string flag) => Flags.Contains(flag);

    /// <summary>A file-name slug: vendor, family, model and the widest vector extension, e.g. <c>amd-f26-m2-avx512bf16</c>.</summary>
    public string Kind
    {
        get
        {
            var vendor = Vendor switch { "GenuineIntel" => "intel", "AuthenticAMD" => "amd", "" => "cpu", var v => v.ToLowerInvariant() };
            var isa = Has("amx_bf16") ? "amx" : Has("avx512_bf16") ? "avx512bf16" : Has("avx512f") ? "avx512" : Has("avx2") ? "avx2" : "base";
            return $"{vendor}-f{Family}-m{ModelNumber}-{isa}";
        }
    }

    public override string ToString() =>
        $"{Model} (family {Family}, model {ModelNumber}; {(Flags.Count == 0 ? "none of " + string.Join(", ", FlagsThatMatter) : string.Join(", ", Flags))})";
}
