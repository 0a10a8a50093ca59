using System.Text.Json;
using VaeWeb.Training;
using VaeWeb.Vae.Model;

namespace VaeWeb.Api;

/// <summary>The optional body of <c>POST /train</c>: every field may be left out to take the configured default.</summary>
public sealed record TrainRequest(
    int? Epochs,
    int? BatchSize,
    double? LearningRate,
    int? LatentDim,
    double? Beta,
    Likelihood? Likelihood,
    string? Dataset,
    long? Seed,
    int? Conv1Channels,
    int? Conv2Channels,
    int? HiddenUnits,
    string? Resume = null,
    Precision? Precision = null);

/// <summary>A request to continue an earlier run: its id and, optionally, a new total of epochs.</summary>
public sealed record ResumeRequest(string RunId, int? Epochs);

/// <summary>
/// Reads a <see cref="TrainRequest"/> field by field so that every problem names its field and the
/// allowed values ("epochs must be an integer from 1 to 1000, got 0"), and unknown fields are refused
/// rather than silently ignored.
/// </summary>
public static class TrainRequestReader
{
    public static readonly (int Min, int Max) EpochsRange = (1, 1000);
    public static readonly (int Min, int Max) BatchSizeRange = (1, 4096);
    public static readonly (double Min, double Max) LearningRateRange = (1e-7, 1.0);
    public static readonly (int Min, int Max) LatentDimRange = (2, 512);
    public static readonly (double Min, double Max) BetaRange = (0.0, 1000.0);
    public static readonly (int Min, int Max) ChannelsRange = (1, 256);
    public static readonly (int Min, int Max) HiddenRange = (1, 4096);

    private static readonly string[] Fields =
    [
        "epochs", "batchSize", "learningRate", "latentDim", "beta", "likelihood", "dataset", "seed",
        "conv1Channels", "conv2Channels", "hiddenUnits", "resume", "precision",
    ];

    /// <summary>
    /// The <c>resume</c> form of the body: null when the body does not ask to resume. A resumed
    /// run keeps its hyperparameters, so only <c>epochs</c> may come with it.
    /// </summary>
    public static ResumeRequest? ReadResume(JsonElement? body, Dictionary<string, string[]> errors)
    {
        if (body is not { ValueKind: JsonValueKind.Object } json
            || !json.TryGetProperty("resume", out var resume) || resume.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (resume.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(resume.GetString()))
        {
            errors["resume"] = [$"resume must be the id of an earlier run (GET /runs lists them), got {resume.GetRawText()}."];
            return null;
        }

        int? epochs = null;
        foreach (var property in json.EnumerateObject())
        {
            if (property.NameEquals("resume") || property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (property.Name.Equals("epochs", StringComparison.OrdinalIgnoreCase))
            {
                if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var value) && value >= EpochsRange.Min && value <= EpochsRange.Max)
                {
                    epochs = value;
                }
                else
                {
                    errors["epochs"] = [$"epochs must be an integer from {EpochsRange.Min} to {EpochsRange.Max}, got {property.Value.GetRawText()}."];
                }
            }
            else
            {
                errors[property.Name] = [$"'{property.Name}' cannot be given with resume: a resumed run keeps its hyperparameters; only epochs (a new total) may be given."];
            }
        }

        return errors.Count == 0 ? new ResumeRequest(resume.GetString()!, epochs) : null;
    }

    /// <summary>Parses and validates; on success <paramref name="parameters"/> holds defaults merged with the request.</summary>
    public static Dictionary<string, string[]> Read(
        JsonElement? body,
        RunParameters defaults,
        IReadOnlyCollection<string> datasets,
        out RunParameters parameters)
    {
        var errors = new Dictionary<string, string[]>();
        parameters = defaults;
        if (body is null || body.Value.ValueKind == JsonValueKind.Null)
        {
            return errors;
        }

        if (body.Value.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = [$"The body must be a JSON object with any of: {string.Join(", ", Fields)}."];
            return errors;
        }

        var values = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in body.Value.EnumerateObject())
        {
            var known = Fields.FirstOrDefault(f => f.Equals(property.Name, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                errors[property.Name] = [$"'{property.Name}' is not a training parameter; allowed: {string.Join(", ", Fields)}."];
            }
            else if (property.Value.ValueKind != JsonValueKind.Null)
            {
                values[known] = property.Value;
            }
        }

        int Int(string field, int fallback, (int Min, int Max) range)
        {
            if (!values.TryGetValue(field, out var value))
            {
                return fallback;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= range.Min && number <= range.Max)
            {
                return number;
            }

            errors[field] = [$"{field} must be an integer from {range.Min} to {range.Max}, got {value.GetRawText()}."];
            return fallback;
        }

        double Real(string field, double fallback, (double Min, double Max) range)
        {
            if (!values.TryGetValue(field, out var value))
            {
                return fallback;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) && number >= range.Min && number <= range.Max)
            {
                return number;
            }

            errors[field] = [$"{field} must be a number from {range.Min:G} to {range.Max:G}, got {value.GetRawText()}."];
            return fallback;
        }

        var likelihood = defaults.Likelihood;
        if (values.TryGetValue("likelihood", out var likelihoodValue))
        {
            if (likelihoodValue.ValueKind == JsonValueKind.String && Enum.TryParse<Likelihood>(likelihoodValue.GetString(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(likelihoodValue.GetString(), out _))
            {
                likelihood = parsed;
            }
            else
            {
                errors["likelihood"] = [$"likelihood must be 'gaussian', 'bernoulli' or 'calibrated', got {likelihoodValue.GetRawText()}."];
            }
        }

        var precision = ReadPrecision(values, defaults.Precision, errors);

        var dataset = defaults.Dataset;
        if (values.TryGetValue("dataset", out var datasetValue))
        {
            var name = datasetValue.ValueKind == JsonValueKind.String ? datasetValue.GetString() : null;
            var match = name is null ? null : datasets.FirstOrDefault(d => d.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                errors["dataset"] = [$"dataset must be one of the configured data sets ({string.Join(", ", datasets)}), got {datasetValue.GetRawText()}."];
            }
            else
            {
                dataset = match;
            }
        }

        var seed = defaults.Seed;
        if (values.TryGetValue("seed", out var seedValue))
        {
            if (seedValue.ValueKind == JsonValueKind.Number && seedValue.TryGetInt64(out var s) && s >= 0)
            {
                seed = s;
            }
            else
            {
                errors["seed"] = [$"seed must be a non-negative integer, got {seedValue.GetRawText()}."];
            }
        }

        parameters = new RunParameters(
            Int("epochs", defaults.Epochs, EpochsRange),
            Int("batchSize", defaults.BatchSize, BatchSizeRange),
            Real("learningRate", defaults.LearningRate, LearningRateRange),
            Int("latentDim", defaults.LatentDim, LatentDimRange),
            Real("beta", defaults.Beta, BetaRange),
            likelihood,
            dataset,
            seed,
            Int("conv1Channels", defaults.Conv1Channels, ChannelsRange),
            Int("conv2Channels", defaults.Conv2Channels, ChannelsRange),
            Int("hiddenUnits", defaults.HiddenUnits, HiddenRange),
            precision);
        return errors;
    }

    private static Precision ReadPrecision(Dictionary<string, JsonElement> values, Precision fallback, Dictionary<string, string[]> errors)
    {
        if (!values.TryGetValue("precision", out var value))
        {
            return fallback;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (!string.Equals(text, "fp32", StringComparison.OrdinalIgnoreCase) && !string.Equals(text, "bf16", StringComparison.OrdinalIgnoreCase))
        {
            errors["precision"] = [$"precision must be 'fp32' or 'bf16', got {value.GetRawText()}."];
            return fallback;
        }

        if (string.Equals(text, "fp32", StringComparison.OrdinalIgnoreCase))
        {
            return Precision.Fp32;
        }

        if (!VaeWeb.Vae.CpuFeatures.HasNativeBf16)
        {
            errors["precision"] = ["precision 'bf16' needs a CPU that computes bfloat16 natively (avx512_bf16 or amx_bf16); this one has neither, so only 'fp32' is allowed here."];
            return fallback;
        }

        return Precision.Bf16;
    }
}
