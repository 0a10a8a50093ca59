using System.Text.Json;
using VaeWeb.Api;
using VaeWeb.Configuration;
using VaeWeb.Vae.Model;

namespace VaeWeb.Training;

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
    Precision? Precision = null)
{
    /// <summary>The run this request asks for: its values where given, <paramref name="defaults"/> elsewhere.</summary>
    public RunParameters Over(RunParameters defaults) => new(
        Epochs ?? defaults.Epochs,
        BatchSize ?? defaults.BatchSize,
        LearningRate ?? defaults.LearningRate,
        LatentDim ?? defaults.LatentDim,
        Beta ?? defaults.Beta,
        Likelihood ?? defaults.Likelihood,
        Dataset ?? defaults.Dataset,
        Seed ?? defaults.Seed,
        Conv1Channels ?? defaults.Conv1Channels,
        Conv2Channels ?? defaults.Conv2Channels,
        HiddenUnits ?? defaults.HiddenUnits,
        Precision ?? defaults.Precision);
}

/// <summary>A request to continue an earlier run: its id and, optionally, a new total of epochs.</summary>
public sealed record ResumeRequest(string RunId, int? Epochs);

/// <summary>
/// Reads a <see cref="TrainRequest"/> field by field so that every problem names its field and the
/// allowed values ("epochs must be an integer from 1 to 1000, got 0"), and unknown fields are refused
/// rather than silently ignored. Every wrong field is reported at once.
/// </summary>
public static class TrainRequestReader
{
    private static readonly string[] Fields = JsonInput.FieldsOf<TrainRequest>();

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

        var fields = new FieldReader([], errors);
        int? epochs = null;
        foreach (var property in json.EnumerateObject())
        {
            if (property.NameEquals("resume") || property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (property.Name.Equals("epochs", StringComparison.OrdinalIgnoreCase))
            {
                epochs = fields.Int("epochs", property.Value, Ranges.MinEpochs, Ranges.MaxEpochs);
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

        var fields = new FieldReader(KnownValues(body.Value, errors), errors);
        // Read in this order so that the problems are listed as they always were.
        var likelihood = fields.Likelihood();
        var precision = fields.Precision();
        var dataset = fields.Dataset(datasets);
        var seed = fields.Seed();
        var request = new TrainRequest(
            fields.Int("epochs", Ranges.MinEpochs, Ranges.MaxEpochs),
            fields.Int("batchSize", Ranges.MinBatchSize, Ranges.MaxBatchSize),
            fields.Real("learningRate", Ranges.MinLearningRate, Ranges.MaxLearningRate),
            fields.Int("latentDim", Ranges.MinLatentDim, Ranges.MaxLatentDim),
            fields.Real("beta", Ranges.MinBeta, Ranges.MaxBeta),
            likelihood,
            dataset,
            seed,
            fields.Int("conv1Channels", Ranges.MinChannels, Ranges.MaxChannels),
            fields.Int("conv2Channels", Ranges.MinChannels, Ranges.MaxChannels),
            fields.Int("hiddenUnits", Ranges.MinHiddenUnits, Ranges.MaxHiddenUnits),
            Precision: precision);
        parameters = request.Over(defaults);
        return errors;
    }

    /// <summary>The body's non-null values by their known names; an unknown name is an error.</summary>
    private static Dictionary<string, JsonElement> KnownValues(JsonElement body, Dictionary<string, string[]> errors)
    {
        var values = new Dictionary<string, JsonElement>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in body.EnumerateObject())
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

        return values;
    }

    /// <summary>Typed values of the body's fields: null when absent or wrong (then an entry in errors).</summary>
    private sealed class FieldReader(Dictionary<string, JsonElement> values, Dictionary<string, string[]> errors)
    {
        public int? Int(string field, int min, int max) =>
            values.TryGetValue(field, out var value) ? Int(field, value, min, max) : null;

        public int? Int(string field, JsonElement value, int min, int max)
        {
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) && number >= min && number <= max)
            {
                return number;
            }

            errors[field] = [$"{field} must be an integer from {min} to {max}, got {value.GetRawText()}."];
            return null;
        }

        public double? Real(string field, double min, double max)
        {
            if (!values.TryGetValue(field, out var value))
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number) && number >= min && number <= max)
            {
                return number;
            }

            errors[field] = [$"{field} must be a number from {min:G} to {max:G}, got {value.GetRawText()}."];
            return null;
        }

        public Likelihood? Likelihood()
        {
            if (!values.TryGetValue("likelihood", out var value))
            {
                return null;
            }

            var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            if (text is not null && Enum.TryParse<Likelihood>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(text, out _))
            {
                return parsed;
            }

            errors["likelihood"] = [$"likelihood must be 'gaussian', 'bernoulli' or 'calibrated', got {value.GetRawText()}."];
            return null;
        }

        public Precision? Precision()
        {
            if (!values.TryGetValue("precision", out var value))
            {
                return null;
            }

            var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            if (string.Equals(text, "fp32", StringComparison.OrdinalIgnoreCase))
            {
                return Vae.Model.Precision.Fp32;
            }

            if (!string.Equals(text, "bf16", StringComparison.OrdinalIgnoreCase))
            {
                errors["precision"] = [$"precision must be 'fp32' or 'bf16', got {value.GetRawText()}."];
                return null;
            }

            if (!Vae.CpuFeatures.HasNativeBf16)
            {
                errors["precision"] = ["precision 'bf16' needs a CPU that computes bfloat16 natively (avx512_bf16 or amx_bf16); this one has neither, so only 'fp32' is allowed here."];
                return null;
            }

            return Vae.Model.Precision.Bf16;
        }

        public string? Dataset(IReadOnlyCollection<string> datasets)
        {
            if (!values.TryGetValue("dataset", out var value))
            {
                return null;
            }

            var name = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var match = name is null ? null : datasets.FirstOrDefault(d => d.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                errors["dataset"] = [$"dataset must be one of the configured data sets ({string.Join(", ", datasets)}), got {value.GetRawText()}."];
            }

            return match;
        }

        public long? Seed()
        {
            if (!values.TryGetValue("seed", out var value))
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seed) && seed >= 0)
            {
                return seed;
            }

            errors["seed"] = [$"seed must be a non-negative integer, got {value.GetRawText()}."];
            return null;
        }
    }
}
