using System.Text.Json.Nodes;

namespace VaeWeb.Training;

/// <summary>A sweep as stored: the base body and the grid it was asked with, and when.</summary>
public sealed record SweepRecord(string SweepId, JsonObject Base, JsonObject Grid, DateTimeOffset CreatedAt);

/// <summary>
/// The queue and sweeps in the run history. The queue is not a structure of its own: it is the runs
/// in state <c>queued</c>, oldest <c>queued_at</c> first, so it is exactly as durable as the runs
/// (a run a client was told is queued is in the database before the 202 goes out).
/// </summary>
public sealed partial class RunStore
{
    /// <summary>The queued run ids, the next to start first.</summary>
    public IReadOnlyList<string> QueuedIds()
    {
        if (serveOnly)
        {
            return [.. published.List(PublishedRunHistory.MostRuns).Where(r => r.State == RunState.Queued).OrderBy(r => r.CreatedAt).Select(r => r.RunId)];
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id FROM runs WHERE state = 'queued' ORDER BY COALESCE(queued_at, created_at), id";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Queues every run of a sweep and the sweep itself in one transaction: all of them or none.</summary>
    public void InsertSweep(SweepRecord sweep, IReadOnlyList<(string RunId, RunParameters Parameters)> runs)
    {
        EnsureTrainer();
        using (var connection = Open())
        using (var transaction = connection.BeginTransaction())
        {
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "INSERT INTO sweeps (id, base, grid, created_at) VALUES ($id, $base, $grid, $created)";
                command.Parameters.AddWithValue("$id", sweep.SweepId);
                command.Parameters.AddWithValue("$base", sweep.Base.ToJsonString());
                command.Parameters.AddWithValue("$grid", sweep.Grid.ToJsonString());
                command.Parameters.AddWithValue("$created", Stamp(sweep.CreatedAt));
                command.ExecuteNonQuery();
            }

            // One queued_at each, a tick apart, so the queue keeps the grid's order.
            for (var i = 0; i < runs.Count; i++)
            {
                InsertRun(connection, transaction, runs[i].RunId, runs[i].Parameters, sweep.CreatedAt.AddTicks(i), sweep.SweepId);
            }

            transaction.Commit();
        }

        Publish();
    }

    /// <summary>A sweep and its runs in queue order; null when there is no such sweep.</summary>
    public (SweepRecord Sweep, IReadOnlyList<RunRecord> Runs)? GetSweep(string sweepId)
    {
        if (serveOnly)
        {
            // A replica has the runs (runs.json carries their sweep id), not the sweep's own row.
            var found = published.List(PublishedRunHistory.MostRuns).Where(r => r.SweepId == sweepId).OrderBy(r => r.CreatedAt).ToList();
            return found.Count == 0 ? null : (new SweepRecord(sweepId, [], [], found[0].CreatedAt), found);
        }

        SweepRecord? sweep = null;
        using (var connection = Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT base, grid, created_at FROM sweeps WHERE id = $id";
            command.Parameters.AddWithValue("$id", sweepId);
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                sweep = new SweepRecord(sweepId, JsonNode.Parse(reader.GetString(0))!.AsObject(), JsonNode.Parse(reader.GetString(1))!.AsObject(), ParseTime(reader.GetString(2)));
            }
        }

        return sweep is null ? null : (sweep, Query("WHERE sweep_id = $sweep ORDER BY COALESCE(queued_at, created_at), id", ("$sweep", sweepId)));
    }

    /// <summary>
    /// Removes a finished run from the history: its epochs, its sample scores and its row, in one
    /// transaction. The caller deletes its checkpoints first, so a crash between the two leaves a
    /// listed run without checkpoints (delete it again), never checkpoints without a run.
    /// </summary>
    public bool Delete(string runId)
    {
        EnsureTrainer();
        int deleted;
        using (var connection = Open())
        using (var transaction = connection.BeginTransaction())
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                DELETE FROM epochs WHERE run_id = $id;
                DELETE FROM run_quality WHERE run_id = $id;
                DELETE FROM runs WHERE id = $id;
                """;
            command.Parameters.AddWithValue("$id", runId);
            deleted = command.ExecuteNonQuery();
            transaction.Commit();
        }

        Publish();
        return deleted > 0;
    }
}
