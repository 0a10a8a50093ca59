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
                InsertEpoch(connection, run.RunId, epoch);
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

    private static void InsertEpoch(SqliteConnection connection, string runId, EpochMetrics metrics)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO epochs (run_id, epoch, loss, reconstruction, kl, test_loss, test_reconstruction, test_kl, seconds, images_per_second, model_version)
            VALUES ($run, $epoch, $loss, $recon, $kl, $tloss, $trecon, $tkl, $seconds, $ips, $version)
            """;
        command.Parameters.AddWithValue("$run", runId);
        command.Parameters.AddWithValue("$epoch", metrics.Epoch);
        command.Parameters.AddWithValue("$loss", metrics.Loss);
        command.Parameters.AddWithValue("$recon", metrics.Reconstruction);
        command.Parameters.AddWithValue("$kl", metrics.Kl);
        command.Parameters.AddWithValue("$tloss", metrics.TestLoss);
        command.Parameters.AddWithValue("$trecon", metrics.TestReconstruction);
        command.Parameters.AddWithValue("$tkl", metrics.TestKl);
        command.Parameters.AddWithValue("$seconds", metrics.Seconds);
        command.Parameters.AddWithValue("$ips", metrics.ImagesPerSecond);
        command.Parameters.AddWithValue("$version", (object?)metrics.ModelVersion ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    private static string? StampOrNull(DateTimeOffset? at) => at is { } time ? Stamp(time) : null;
}
