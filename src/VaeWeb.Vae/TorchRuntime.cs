using System.Runtime.InteropServices;

namespace VaeWeb.Vae;

/// <summary>Process-level LibTorch settings that must be in place before LibTorch loads.</summary>
public static class TorchRuntime
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

        // .NET keeps its own copy of the environment on Unix; native code reads the C one.
        SetNativeEnvironment(WaitPolicyVariable, "PASSIVE");

        Environment.SetEnvironmentVariable(WaitPolicyVariable, "PASSIVE");
        return "PASSIVE";
    }

    /// <summary>
    /// Keeps LibTorch's per-step activation buffers (up to 32 MB each) in glibc's heap instead of
    /// fresh mmap'd pages, and stops glibc handing freed heap back to the kernel after every step.
    /// By default glibc maps large blocks and trims the heap top on free, so every training step
    /// page-faults its ~100 MB of activations in again: measured (interleaved with the bare loop, same
    /// run) the Trainer at 0.90× the bare loop without this and 0.98× with it (the settings then set
    /// through MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_). Resident memory stays at its peak
    /// instead of shrinking between steps; the peak is unchanged. No-op off glibc.
    /// </summary>
    public static void KeepTensorMemoryInHeap()
    {
        if (GlibcExport("mallopt") is not { } address)
        {
            return; // Not glibc (e.g. musl or another OS): nothing to tune.
        }

        const int mTrimThreshold = -1;
        const int mMmapThreshold = -3;
        unsafe
        {
            var mallopt = (delegate* unmanaged<int, int, int>)address;
            _ = mallopt(mMmapThreshold, 32 * 1024 * 1024);
            _ = mallopt(mTrimThreshold, 1024 * 1024 * 1024);
        }
    }

    private static void SetNativeEnvironment(string name, string value)
    {
        if (GlibcExport("setenv") is not { } address)
        {
            return;
        }

        unsafe
        {
            var setenv = (delegate* unmanaged<byte*, byte*, int, int>)address;
            fixed (byte* n = System.Text.Encoding.UTF8.GetBytes(name + "\0"))
            fixed (byte* v = System.Text.Encoding.UTF8.GetBytes(value + "\0"))
            {
                _ = setenv(n, v, 0);
            }
        }
    }

    /// <summary>
    /// A function of glibc by its versioned file name: "libc" alone would resolve to the libc.so
    /// linker script that only development machines have, and fail in a runtime-only container.
    /// </summary>
    private static IntPtr? GlibcExport(string name) =>
        OperatingSystem.IsLinux()
        && NativeLibrary.TryLoad("libc.so.6", out var handle)
        && NativeLibrary.TryGetExport(handle, name, out var address)
            ? address
            : null;
}
