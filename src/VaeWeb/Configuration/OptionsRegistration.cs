using Microsoft.Extensions.Options;
using VaeWeb.Vae;
using VaeWeb.Vae.Model;

namespace VaeWeb.Configuration;

public static class OptionsRegistration
{
    /// <summary>The "Vae" section, bound and validated at start-up: a wrong setting stops the host with its name.</summary>
    public static IServiceCollection AddVaeOptions(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<VaeOptions>()
            .Bind(configuration.GetSection(VaeOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Datasets.ContainsKey(o.DefaultDataset), "Vae:DefaultDataset must name one of Vae:Datasets.")
            .Validate(o => !o.TestHooks.AnySet || !environment.IsProduction(), "Vae:TestHooks are fault injection for tests and are refused in Production.")
            .Validate(
                o => o.Limits.RetryAfter > TimeSpan.Zero && o.Limits.NoModelRetryAfter > TimeSpan.Zero && o.Limits.RequestTimeout > TimeSpan.Zero && o.Training.ShutdownTimeout > TimeSpan.Zero,
                "Vae:Limits:RetryAfter, Vae:Limits:NoModelRetryAfter, Vae:Limits:RequestTimeout and Vae:Training:ShutdownTimeout must be positive.")
            .Validate(
                o => o.Training.Precision != Precision.Bf16 || CpuFeatures.HasNativeBf16,
                "Vae:Training:Precision=bf16 needs a CPU that computes bfloat16 natively (avx512_bf16 or amx_bf16); use fp32 on this one.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<VaeOptions>, NestedOptionsValidator>();
        return services;
    }
}
