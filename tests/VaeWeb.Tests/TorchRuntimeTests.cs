using System.Runtime.InteropServices;
using VaeWeb.Vae;

namespace VaeWeb.Tests;

public class TorchRuntimeTests
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [Fact]
    public void The_openmp_wait_policy_reaches_the_native_environment_that_libgomp_reads()
    {
        Assert.True(OperatingSystem.IsLinux(), "these settings are for glibc Linux");
        var policy = TorchRuntime.PreferPassiveWaits();

        var getenv = Marshal.GetDelegateForFunctionPointer<GetEnv>(NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "getenv"));
        var native = Marshal.PtrToStringUTF8(getenv(TorchRuntime.WaitPolicyVariable));

        Assert.Equal(policy, native);
    }
}
