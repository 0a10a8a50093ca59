using System.Runtime.InteropServices;
using VaeWeb.Vae;

namespace VaeWeb.Tests;

public class TorchRuntimeTests
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [Fact]
    public void The_openmp_wait_settings_reach_the_native_environment_that_libgomp_reads()
    {
        Assert.True(OperatingSystem.IsLinux(), "these settings are for glibc Linux");
        var settings = TorchRuntime.ConfigureOpenMpWaits();

        var getenv = Marshal.GetDelegateForFunctionPointer<GetEnv>(NativeLibrary.GetExport(NativeLibrary.Load("libc.so.6"), "getenv"));
        string? Native(string name) => Marshal.PtrToStringUTF8(getenv(name));

        Assert.Equal($"{TorchRuntime.WaitPolicyVariable}={Native(TorchRuntime.WaitPolicyVariable)} {TorchRuntime.SpinCountVariable}={Native(TorchRuntime.SpinCountVariable)}", settings);
        Assert.False(string.IsNullOrEmpty(Native(TorchRuntime.WaitPolicyVariable) + Native(TorchRuntime.SpinCountVariable)), "neither variable reached the C environment");
    }
}
