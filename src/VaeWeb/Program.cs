using VaeWeb.Api;
using VaeWeb.Configuration;
using VaeWeb.Limits;
using VaeWeb.Metrics;
using VaeWeb.Security;
using VaeWeb.Serving;
using VaeWeb.Training;
using VaeWeb.Vae;

// Before anything touches LibTorch: OpenMP workers that sleep rather than spin (see TorchRuntime).
TorchRuntime.ConfigureOpenMpWaits();
TorchRuntime.KeepTensorMemoryInHeap();

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
});
builder.Configuration.ReadAppSettingsFromAppBase();

builder.Services
    .AddVaeOptions(builder.Configuration, builder.Environment)
    .AddVaeApi()
    .AddOperations()
    .AddServing()
    .AddSampleQuality()
    .AddTraining()
    .AddRunArchive()
    // After the training service, whose start-up load of the newest checkpoint comes first.
    .AddCheckpointFollower();

var app = builder.Build();

// Browser security headers on every answer; the real client's address when a known proxy forwards it.
app.UseVaeBrowserSecurity();
// ProblemDetails for unhandled errors; outside Development they carry no exception details.
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseResponseCompression();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseVaeOpenApi();

// After routing (so the endpoint is known): metrics see every answer, refused callers never reach
// a compute slot, and oversize bodies are refused before they are read.
app.UseRouting();
app.UseVaeHttpMetrics();
app.UseCrossSiteRequestGuard();
app.UseApiKeyAccess();
app.UseUploadLimits();
app.UseRateLimiter();
app.UseRequestTimeouts();

app.MapVaeApi();
app.MapOperations();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
