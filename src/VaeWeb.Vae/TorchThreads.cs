using static TorchSharp.torch;

namespace VaeWeb.Vae;

/// <summary>
/// LibTorch's intra-op width for the calling thread. LibTorch here runs on OpenMP, whose thread
/// count is a per-thread setting (set_num_threads also updates the default that threads pick up
/// on their first parallel op). The training thread asks for its configured width; request threads
/// ask for their own (1 by default): a request's tensors are small, and on a 2-core machine a
/// 2-wide OpenMP team waits at every barrier for a core that training (or anything else) holds —
/// measured at ~100 ms for a single-z decode that takes ~1 ms on one thread.
/// </summary>
public static class TorchThreads
{
    /// <summary>Sets the width for this thread when it differs (reading it is far cheaper than setting it).</summary>
    public static void ForThisThread(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (get_num_threads() != threads)
        {
            set_num_threads(threads);
        }
    }

    /// <summary>The width LibTorch uses for the calling thread.</summary>
    public static int OfThisThread() => get_num_threads();
}
