using Microsoft.Extensions.Options;
using VaeWeb.Api;
using VaeWeb.Configuration;
using VaeWeb.Data;
using VaeWeb.Serving;
using VaeWeb.Training;
using VaeWeb.Vae.Checkpoints;

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
    .ValidateOnStart();

var json = new JsonSerializerOptionsProvider();
builder.Services.AddSingleton(json);
builder.Services.ConfigureHttpJsonOptions(o => JsonSerializerOptionsProvider.Configure(o.SerializerOptions));
builder.Services.AddProblemDetails();
builder.Services.AddEndpointsApiExplorer();
builder.Services.AddSwaggerGen(o => o.SwaggerDoc("v1", new() { Title = "VaeWeb", Version = "v1", Description = "Train a convolutional VAE on handwritten digits and explore its latent space." }));

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<DatasetCatalog>();
builder.Services.AddSingleton<ModelHost>();
builder.Services.AddSingleton<ModelDatasets>();
builder.Services.AddSingleton<LatentCache>();
builder.Services.AddSingleton<EvaluationGate>();
builder.Services.AddSingleton<TrainingStatusFeed>();
builder.Services.AddSingleton<RunStore>();
builder.Services.AddSingleton(sp => new CheckpointStore(Path.GetFullPath(sp.GetRequiredService<IOptions<VaeOptions>>().Value.StateDirectory)));
builder.Services.AddSingleton<TrainingService>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<TrainingService>());

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseDefaultFiles();
app.UseStaticFiles();
app.UseSwagger();
app.UseSwaggerUI(o => o.RoutePrefix = "swagger");

app.MapTrainingApi();
app.MapRunsApi();
app.MapSamplesApi();
app.MapEncodeApi();
app.MapDecodeApi();
app.MapReconstructApi();
app.MapInterpolateApi();
app.MapDatasetApi();
app.MapLatentMapApi();
app.MapModelApi();
app.MapEvaluateApi();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
