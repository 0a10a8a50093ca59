using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using VaeWeb.Configuration;
using VaeWeb.Serving;

namespace VaeWeb.Training;

/// <summary>
/// The judge's scores of each run's final model, in their own table of the run history
/// (<c>run_quality</c> in <c>runs.db</c>), written once when a run ends. A table of its own so the
/// run schema stays as it was; a database that cannot be written (a read-only replica) has no scores.
/// </summary>
public sealed class RunQualityStore
{
    private readonly string connectionString;
    private readonly JsonSerializerOptions json;
    private readonly bool available;

    public RunQualityStore(RunStore runs, JsonSerializerOptionsProvider json)
    {
        this.json = json.Options;
        connectionString = new SqliteConnectionStringBuilder { DataSource = runs.DatabasePath, Pooling = true }.ToString();
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE IF NOT EXISTS run_quality (run_id TEXT PRIMARY KEY, model_version TEXT NOT NULL, report TEXT NOT NULL, measured_at TEXT NOT NULL)";
            command.ExecuteNonQuery();
            available = true;
        }
        catch (SqliteException)
        {
            available = false;
        }
    }

    public void Put(string runId, SampleQualityReport report)
    {
        if (!available)
        {
            return;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR REPLACE INTO run_quality (run_id, model_version, report, measured_at) VALUES ($run, $version, $report, $at)";
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$version", report.ModelVersion);
        command.Parameters.AddWithValue("$report", JsonSerializer.Serialize(report, json));
        command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        command.ExecuteNonQuery();
    }

    /// <summary>The stored scores of every run that has them, by run id.</summary>
    public IReadOnlyDictionary<string, SampleQualityReport> All()
    {
        var result = new Dictionary<string, SampleQualityReport>();
        if (!available)
        {
            return result;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT run_id, report FROM run_quality";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (JsonSerializer.Deserialize<SampleQualityReport>(reader.GetString(1), json) is { } report)
            {
                result[reader.GetString(0)] = report;
            }
        }

        return result;
    }

    public SampleQualityReport? Get(string runId) => All().GetValueOrDefault(runId);

    public bool Has(string runId) => Get(runId) is not null;

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA busy_timeout = 5000;";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
