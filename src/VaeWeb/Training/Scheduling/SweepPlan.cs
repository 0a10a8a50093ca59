using System.Text.Json;
using System.Text.Json.Nodes;
using VaeWeb.Api;

namespace VaeWeb.Training;

/// <summary>The body of <c>POST /sweeps</c>: a base run body and, per parameter, the values to try.</summary>
public sealed record SweepRequest(TrainRequest? Base, Dictionary<string, JsonElement[]> Grid);

/// <summary>
/// Expands a sweep's grid into runs: every combination of the grid's values over the base body,
/// the first parameter varying slowest, each combination validated exactly as <c>POST /train</c>
/// validates a body (an error names the grid entry it came from).
/// </summary>
public static class SweepPlan
{
    /// <summary>The parameters of every run, or throws <see cref="BadInputException"/> naming what is wrong.</summary>
    public static (JsonObject Base, JsonObject Grid, IReadOnlyList<RunParameters> Runs) Read(
        JsonElement root, RunParameters defaults, IReadOnlyCollection<string> datasets, int maxRuns)
    {
        var body = JsonInput.RequireObject<SweepRequest>(root);
        var baseBody = JsonInput.Field(body, "base") is { } b
            ? b.ValueKind == JsonValueKind.Object ? JsonNode.Parse(b.GetRawText())!.AsObject() : throw BadInputException.Invalid("base", "base must be a JSON object of run parameters, as POST /train takes.")
            : [];
        if (baseBody.ContainsKey("resume"))
        {
            throw BadInputException.Invalid("base.resume", "A sweep queues new runs; resume one with POST /train {\"resume\": \"<runId>\"}.");
        }

        var grid = ReadGrid(JsonInput.Field(body, "grid"), baseBody);
        var count = grid.Aggregate(1L, (product, axis) => product * axis.Values.Length);
        if (count > maxRuns)
        {
            var sizes = string.Join(" × ", grid.Select(a => $"{a.Values.Length} {a.Name}"));
            throw BadInputException.Invalid("grid", $"The grid makes {count} runs ({sizes}); a sweep may make at most {maxRuns} (Vae:Lab:MaxSweepRuns).");
        }

        var runs = new List<RunParameters>();
        foreach (var combination in Combinations(grid))
        {
            var merged = baseBody.DeepClone().AsObject();
            foreach (var (name, value) in combination)
            {
                merged[name] = JsonNode.Parse(value.GetRawText());
            }

            using var document = JsonDocument.Parse(merged.ToJsonString());
            var errors = TrainRequestReader.Read(document.RootElement, defaults, datasets, out var parameters);
            if (errors.Count > 0)
            {
                var inGrid = grid.Select(a => a.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
                throw new BadInputException(errors.ToDictionary(e => inGrid.Contains(e.Key) ? $"grid.{e.Key}" : $"base.{e.Key}", e => e.Value));
            }

            runs.Add(parameters);
        }

        var gridObject = new JsonObject();
        foreach (var axis in grid)
        {
            gridObject[axis.Name] = new JsonArray([.. axis.Values.Select(v => JsonNode.Parse(v.GetRawText()))]);
        }

        return (baseBody, gridObject, runs);
    }

    private static List<(string Name, JsonElement[] Values)> ReadGrid(JsonElement? value, JsonObject baseBody)
    {
        const string Shape = "grid must be an object of parameter → non-empty array of values, e.g. {\"beta\": [0.5, 1, 4], \"latentDim\": [16, 64]}.";
        if (value is not { ValueKind: JsonValueKind.Object } grid)
        {
            throw BadInputException.Invalid("grid", Shape);
        }

        var fields = JsonInput.FieldsOf<TrainRequest>().Where(f => f != "resume").ToArray();
        var axes = new List<(string, JsonElement[])>();
        foreach (var property in grid.EnumerateObject())
        {
            var name = fields.FirstOrDefault(f => f.Equals(property.Name, StringComparison.OrdinalIgnoreCase))
                ?? throw BadInputException.Invalid($"grid.{property.Name}", $"'{property.Name}' is not a run parameter a sweep can vary; allowed: {string.Join(", ", fields)}.");
            if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() == 0)
            {
                throw BadInputException.Invalid($"grid.{name}", $"grid.{name} must be a non-empty array of values.");
            }

            if (baseBody.Any(p => p.Key.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                throw BadInputException.Invalid($"grid.{name}", $"{name} is both in base and in grid; give it in one of them.");
            }

            var values = property.Value.EnumerateArray().ToArray();
            var distinct = values.Select(v => v.GetRawText()).Distinct(StringComparer.Ordinal).Count();
            if (distinct != values.Length)
            {
                throw BadInputException.Invalid($"grid.{name}", $"grid.{name} repeats a value; each combination runs once.");
            }

            axes.Add((name, values));
        }

        return axes.Count > 0 ? axes : throw BadInputException.Invalid("grid", Shape);
    }

    private static IEnumerable<List<(string Name, JsonElement Value)>> Combinations(List<(string Name, JsonElement[] Values)> axes)
    {
        IEnumerable<List<(string, JsonElement)>> combinations = [[]];
        foreach (var (name, values) in axes)
        {
            combinations = combinations.SelectMany(prefix => values.Select(v => new List<(string, JsonElement)>(prefix) { (name, v) }));
        }

        return combinations;
    }
}
