using System.Runtime.InteropServices;

namespace VaeWeb.Vae;

/// <summary>Process-level LibTorch settings that must be in place before LibTorch loads.</summary>
public static partial class TorchRuntime
{
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>
    /// Makes LibTorch's OpenMP workers sleep instead of spin while they wait for work, unless the
    /// environment already says otherwise. LibTorch here is built on GNU OpenMP, whose workers spin
    /// by default: on a 2-core machine where training, requests and anything else share the cores,
    /// a spinning worker holds a core that the thread it waits for needs, and every barrier then
    /// waits for a scheduler time slice — measured 4× slower per training step under load. Passive
    /// waiting costs a futex wake-up per parallel region, a few microseconds on an idle machine.
    /// Has an effect only when called before the first tensor operation (libgomp reads its
    /// environment once, when LibTorch loads); returns the policy that will apply.
    /// </summary>
    public static string PreferPassiveWaits()
    {
        var existing = Environment.GetEnvironmentVariable(WaitPolicyVariable);
        if (!string.IsNullOrEmpty(existing))
        {
            return existing;
        }

        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            // .NET keeps its own copy of the environment on Unix; native code reads the C one.
            _ = SetEnv(WaitPolicyVariable, "PASSIVE", 0);
        }

        Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        return "PASSIVE";
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
