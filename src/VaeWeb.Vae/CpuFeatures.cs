namespace VaeWeb.Vae;

/// <summary>What the CPU can compute natively, read from the kernel's feature flags (never from a CPU model name).</summary>
public static class CpuFeatures
{
    private static readonly Lazy<HashSet<string>> Flags = new(ReadFlags);

    /// <summary>
    /// bfloat16 dot products in hardware: AVX-512 BF16 (Zen 4/5, Cooper Lake and later Xeons) or AMX.
    /// Without them oneDNN emulates bfloat16 with fp32 instructions, slower than fp32 itself.
    /// </summary>
    public static bool HasNativeBf16 => Flags.Value.Contains("avx512_bf16") || Flags.Value.Contains("amx_bf16");

    public static bool Has(string flag) => Flags.Value.Contains(flag);

    private static HashSet<string> ReadFlags()
    {
        const string cpuinfo = "/proc/cpuinfo";
        if (!File.Exists(cpuinfo))
        {
            return [];
        }

        var line = File.ReadLines(cpuinfo).FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal));
        return line is null ? [] : line.Split(':', 2)[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
    }
}
