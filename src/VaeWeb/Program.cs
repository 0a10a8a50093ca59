using Microsoft.Extensions.Options;
using VaeWeb.Api;
using VaeWeb.Configuration;
using VaeWeb.Data;
using VaeWeb.Health;
using VaeWeb.Limits;
using VaeWeb.Metrics;
using VaeWeb.Security;
using VaeWeb.Serving;
using VaeWeb.Training;
using VaeWeb.Vae;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Inference;

// Before anything touches LibTorch: OpenMP workers that sleep rather than spin (see TorchRuntime).
TorchRuntime.ConfigureOpenMpWaits();
TorchRuntime.KeepTensorMemoryInHeap();

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
});
builder.Configuration.ReadAppSettingsFromAppBase();

builder.Services.AddOptions<VaeOptions>()
    .Bind(builder.Configuration.GetSection(VaeOptions.Section))
    .ValidateDataAnnotations()
    .Validate(o => o.Datasets.ContainsKey(o.DefaultDataset), "Vae:DefaultDataset must name one of Vae:Datasets.")
    .Validate(o => !o.TestHooks.AnySet || !builder.Environment.IsProduction(), "Vae:TestHooks are fault injection for tests and are refused in Production.")
    .Validate(o => o.Limits.RetryAfter > TimeSpan.Zero && o.Limits.RequestTimeout > TimeSpan.Zero && o.Training.ShutdownTimeout > TimeSpan.Zero, "Vae:Limits:RetryAfter, Vae:Limits:RequestTimeout and Vae:Training:ShutdownTimeout must be positive.")
    .Validate(o => o.Training.Precision != VaeWeb.Vae.Model.Precision.Bf16 || CpuFeatures.HasNativeBf16, "Vae:Training:Precision=bf16 needs a CPU that computes bfloat16 natively (avx512_bf16 or amx_bf16); use fp32 on this one.")
    .ValidateOnStart();

builder.Services.AddSingleton<IValidateOptions<VaeOptions>, NestedOptionsValidator>();

var json = new JsonSerializerOptionsProvider();
builder.Services.AddSingleton(json);
builder.Services.ConfigureHttpJsonOptions(o => JsonSerializerOptionsProvider.Configure(o.SerializerOptions));
builder.Services.AddProblemDetails();
builder.Services.AddEndpointsApiExplorer();
builder.Services.AddSwaggerGen(o =>
{
    o.SwaggerDoc("v1", new() { Title = "VaeWeb", Version = "v1", Description = "Train a convolutional VAE on handwritten digits and explore its latent space." });
    o.AddSecurityDefinition(ApiKeyAccess.SchemeName, ApiKeyOpenApiFilter.Scheme);
    o.OperationFilter<ApiKeyOpenApiFilter>();
});
builder.Services.AddSingleton<ApiKeyAccess>();
builder.Services.AddVaeForwardedHeaders();
builder.Services.AddComputeLimits();
builder.Services.AddVaeHealthChecks();
builder.Services.AddSingleton<TrainingMetrics>();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<DatasetCatalog>();
builder.Services.AddSingleton<LayerFormSelection>();
builder.Services.AddSingleton<ModelHost>();
builder.Services.AddSingleton<SampleCache>();
builder.Services.AddSingleton<InferenceGate>();
builder.Services.AddSingleton<ModelDatasets>();
builder.Services.AddSingleton<LatentCache>();
builder.Services.AddSampleQuality();
builder.Services.AddSingleton<EvaluationGate>();
builder.Services.AddSingleton<TrainingStatusFeed>();
builder.Services.AddSingleton<RunStore>();
builder.Services.AddSingleton(sp => new CheckpointStore(Path.GetFullPath(sp.GetRequiredService<IOptions<VaeOptions>>().Value.StateDirectory)));
builder.Services.AddSingleton<TrainingService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<TrainingService>());
builder.Services.AddCheckpointFollower();

var app = builder.Build();

// Process-wide: how wide LibTorch runs on each request's thread (the trainer sets its own).
InferenceModel.ThreadsPerCall = app.Services.GetRequiredService<IOptions<VaeOptions>>().Value.Serving.Threads;

// Browser security headers on every answer; the real client's address when a known proxy forwards it.
app.UseVaeBrowserSecurity();
// ProblemDetails for unhandled errors; outside Development they carry no exception details.
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseSwagger();
app.UseSwaggerUI(o => o.RoutePrefix = "swagger");

// After routing (so the endpoint is known): metrics see every answer, refused callers never reach
// a compute slot, and oversize bodies are refused before they are read.
app.UseRouting();
app.UseVaeHttpMetrics();
app.UseCrossSiteRequestGuard();
app.UseApiKeyAccess();
app.UseUploadLimits();
app.UseRateLimiter();
app.UseRequestTimeouts();

app.MapTrainingApi();
app.MapRunsApi().RequireReadAccess();
app.MapSamplesApi().RequireReadAccess().RequireComputeLimit();
app.MapEncodeApi().RequireReadAccess().RequireComputeLimit();
app.MapDecodeApi().RequireReadAccess().RequireComputeLimit();
app.MapReconstructApi().RequireReadAccess().RequireComputeLimit();
app.MapExplainApi().RequireReadAccess().RequireComputeLimit();
app.MapInterpolateApi().RequireReadAccess().RequireComputeLimit();
app.MapDatasetApi().RequireReadAccess();
app.MapLatentMapApi().RequireReadAccess().RequireComputeLimit();
app.MapModelApi().RequireReadAccess().RequireComputeLimit();
// Evaluation is minutes of CPU on the test set: training control, like starting a run.
app.MapEvaluateApi().RequireTrainingControl().RequireComputeLimit();
app.MapHealthEndpoints();
app.MapVaeMetrics();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
