using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace VaeWeb.Training;

/// <summary>Runs brought in from another instance (<c>POST /runs/import</c>).</summary>
public sealed partial class RunStore
{
    /// <summary>
    /// Adds a whole run as it was recorded elsewhere (state, times, epochs, sample scores) in one
    /// transaction: either all of it is in the history or none of it. False when the id is taken.
    /// Its sweep, if it had one, stays behind: sweeps are the other instance's.
    /// </summary>
    public bool TryImport(RunRecord run)
    {
        EnsureTrainer();
        using (var connection = Open())
        using (var transaction = connection.BeginTransaction())
        {
            using (var exists = connection.CreateCommand())
            {
                exists.CommandText = "SELECT COUNT(*) FROM runs WHERE id = $id";
                exists.Parameters.AddWithValue("$id", run.RunId);
                if (Convert.ToInt64(exists.ExecuteScalar(), CultureInfo.InvariantCulture) > 0)
                {
                    return false;
                }
            }

            using (var insert = connection.CreateCommand())
            {
                insert.CommandText = """
                    INSERT INTO runs (id, state, dataset, parameters, created_at, queued_at, started_at, finished_at, error)
                    VALUES ($id, $state, $dataset, $parameters, $created, $created, $started, $finished, $error)
                    """;
                insert.Parameters.AddWithValue("$id", run.RunId);
                insert.Parameters.AddWithValue("$state", Name(run.State));
                insert.Parameters.AddWithValue("$dataset", run.Parameters.Dataset);
                insert.Parameters.AddWithValue("$parameters", JsonSerializer.Serialize(run.Parameters, Json));
                insert.Parameters.AddWithValue("$created", Stamp(run.CreatedAt));
                insert.Parameters.AddWithValue("$started", (object?)StampOrNull(run.StartedAt) ?? DBNull.Value);
                insert.Parameters.AddWithValue("$finished", (object?)StampOrNull(run.FinishedAt) ?? DBNull.Value);
                insert.Parameters.AddWithValue("$error", (object?)run.Error ?? DBNull.Value);
                insert.ExecuteNonQuery();
            }

            foreach (var epoch in run.Epochs)
            {
                WriteEpoch(connection, run.RunId, epoch);
            }

            if (run.SampleQuality is { } quality)
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO run_quality (run_id, model_version, report, measured_at) VALUES ($run, $version, $report, $at)";
                insert.Parameters.AddWithValue("$run", run.RunId);
                insert.Parameters.AddWithValue("$version", quality.ModelVersion);
                insert.Parameters.AddWithValue("$report", JsonSerializer.Serialize(quality, Json));
                insert.Parameters.AddWithValue("$at", Stamp(run.FinishedAt ?? run.CreatedAt));
                insert.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        Publish();
        return true;
    }

    private static string? StampOrNull(DateTimeOffset? at) => at is { } time ? Stamp(time) : null;
}
