using System.Text.Json;
using TorchSharp;
using VaeWeb.Api;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Model;

namespace VaeWeb.Training;

/// <summary>
/// What an unpacked export says, checked: <c>run.json</c> is a finished run whose parameters pass the
/// same checks as <c>POST /train</c>; each checkpoint verifies against its own manifest, belongs to the
/// run, and its weights load into the model the parameters describe.
/// </summary>
public static class RunArchiveContent
{
    public static RunRecord ReadRun(string path, string runId, JsonSerializerOptions json)
    {
        if (new FileInfo(path).Length > RunArchiveReader.MaxJsonBytes)
        {
            throw Invalid(RunArchiveFormat.RunEntry, $"{RunArchiveFormat.RunEntry} is larger than {RunArchiveReader.MaxJsonBytes} bytes.");
        }

        RunRecord? run;
        RunParameters parameters;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            parameters = ReadParameters(document.RootElement);
            run = document.RootElement.Deserialize<RunRecord>(json);
        }
        catch (JsonException e)
        {
            throw Invalid(RunArchiveFormat.RunEntry, $"{RunArchiveFormat.RunEntry} does not parse as a run record: {e.Message}");
        }

        if (run is null || run.RunId != runId)
        {
            throw Invalid(RunArchiveFormat.RunEntry, $"{RunArchiveFormat.RunEntry} must be the record of run {runId} ({RunArchiveFormat.ManifestEntry}'s runId), got '{run?.RunId}'.");
        }

        if (run.State is not (RunState.Completed or RunState.Cancelled or RunState.Failed or RunState.Interrupted))
        {
            throw Invalid(RunArchiveFormat.RunEntry, $"{RunArchiveFormat.RunEntry}: state must be completed, cancelled, failed or interrupted, got '{run.State.ToString().ToLowerInvariant()}'.");
        }

        var epochs = run.Epochs ?? [];
        for (var i = 0; i < epochs.Count; i++)
        {
            var epoch = epochs[i]?.Epoch ?? 0;
            if (epoch < 1 || epoch > parameters.Epochs || (i > 0 && epoch <= epochs[i - 1].Epoch))
            {
                throw Invalid(RunArchiveFormat.RunEntry, $"{RunArchiveFormat.RunEntry}: epochs must be numbered from 1 to the run's {parameters.Epochs}, each once and in order; entry {i} is epoch {epoch}.");
            }
        }

        return run with { Parameters = parameters, Epochs = epochs };
    }

    /// <summary>The run's parameters through the reader <c>POST /train</c> uses: the same ranges and the same messages.</summary>
    private static RunParameters ReadParameters(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("parameters", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(RunArchiveFormat.RunEntry, $"{RunArchiveFormat.RunEntry} must hold the run's parameters as an object.");
        }

        var missing = RequiredParameters.Where(f => !body.TryGetProperty(f, out var value) || value.ValueKind == JsonValueKind.Null).ToList();
        if (missing.Count > 0)
        {
            throw Invalid(RunArchiveFormat.RunEntry, $"{RunArchiveFormat.RunEntry}: parameters must give {string.Join(", ", missing)}.");
        }

        // The data set is the run's own; this instance need not have it configured to serve the model.
        var dataset = body.GetProperty("dataset") is { ValueKind: JsonValueKind.String } name && !string.IsNullOrWhiteSpace(name.GetString()) ? [name.GetString()!] : Array.Empty<string>();
        var errors = TrainRequestReader.Read(body, Unset, dataset, out var parameters);
        if (errors.Count > 0)
        {
            throw new BadInputException(new Dictionary<string, string[]>
            {
                [RunArchiveFormat.RunEntry] = [.. errors.SelectMany(e => e.Value).Select(m => $"{RunArchiveFormat.RunEntry} parameters: {m}")],
            });
        }

        return parameters;
    }

    /// <summary>The parameters an export must state; the others (layer widths, precision) have the reference's defaults.</summary>
    private static readonly string[] RequiredParameters = ["epochs", "batchSize", "learningRate", "latentDim", "beta", "likelihood", "dataset", "seed"];

    private static readonly RunParameters Unset = new(0, 0, 0, 0, 0, Likelihood.Gaussian, "", 0);

    public static void CheckCheckpoint(string directory, string runId, string stem, RunParameters parameters)
    {
        var weights = RunArchiveFormat.CheckpointEntry(runId, stem, CheckpointStore.WeightsSuffix);
        var problem = CheckpointFiles.Verify(directory, stem, out var metadata);
        if (problem is not null || metadata is null)
        {
            throw Invalid(RunArchiveFormat.CheckpointEntry(runId, stem, CheckpointStore.ManifestSuffix), $"Checkpoint {stem} does not verify against its own manifest: {problem}.");
        }

        var config = parameters.ToModelConfig();
        if (metadata.RunId != runId || CheckpointStore.StemFor(metadata.Epoch, metadata.Step) != stem || metadata.Config?.Model != config)
        {
            throw Invalid(
                RunArchiveFormat.CheckpointEntry(runId, stem, CheckpointStore.MetadataSuffix),
                $"Checkpoint {stem} is not of this run: it says run {metadata.RunId}, epoch {metadata.Epoch}, model {metadata.Config?.Model}; {RunArchiveFormat.RunEntry} describes run {runId} with model {config}.");
        }

        try
        {
            using var scope = torch.NewDisposeScope();
            using var model = InferenceModel.Load(config, Path.Combine(directory, stem + CheckpointStore.WeightsSuffix), metadata.ModelVersion);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw Invalid(weights, $"'{weights}' does not load into the model {RunArchiveFormat.RunEntry} describes ({config}): {e.Message}");
        }
    }

    private static BadInputException Invalid(string entry, string message) => BadInputException.Invalid(entry, message);
}
