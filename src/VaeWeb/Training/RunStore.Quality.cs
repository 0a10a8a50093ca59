using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using VaeWeb.Serving;

namespace VaeWeb.Training;

/// <summary>
/// The sample judge's scores of each run's final model (<c>run_quality</c>, written once when a run
/// ends). A table of its own, created if missing, so the run schema and its version stay as they were;
/// the scores travel with each run in <c>runs.json</c>, so replicas show them too.
/// </summary>
public sealed partial class RunStore
{
    /// <summary>Stores the scores of <paramref name="runId"/>'s final samples and republishes the history.</summary>
    public void SetSampleQuality(string runId, SampleQualityReport report)
    {
        EnsureTrainer();
        using (var connection = Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT OR REPLACE INTO run_quality (run_id, model_version, report, measured_at) VALUES ($run, $version, $report, $at)";
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$version", report.ModelVersion);
            command.Parameters.AddWithValue("$report", JsonSerializer.Serialize(report, Json));
            command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        }

        Publish();
    }

    private void CreateQualityTable()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE IF NOT EXISTS run_quality (run_id TEXT PRIMARY KEY REFERENCES runs(id), model_version TEXT NOT NULL, report TEXT NOT NULL, measured_at TEXT NOT NULL)";
        command.ExecuteNonQuery();
    }

    private SampleQualityReport? SampleQualityOf(SqliteConnection connection, string runId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT report FROM run_quality WHERE run_id = $run";
        command.Parameters.AddWithValue("$run", runId);
        return command.ExecuteScalar() is string text ? JsonSerializer.Deserialize<SampleQualityReport>(text, Json) : null;
    }
}
