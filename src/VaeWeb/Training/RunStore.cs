using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;

namespace VaeWeb.Training;

/// <summary>
/// Run history in SQLite (<c>runs.db</c> in the state directory): runs with their parameters and
/// state, and one row per finished epoch. The schema is created and migrated here, keyed on
/// <c>PRAGMA user_version</c>. After every change the trainer also publishes the history as
/// <c>runs.json</c> (<see cref="PublishedRunHistory"/>), which is what a serve-only replica reads:
/// a replica never opens the database.
/// </summary>
/// <remarks>
/// Why replicas do not read SQLite, even read-only: WAL mode needs shared memory between every
/// process using the database, so it does not work across machines on a network file system (a
/// ReadWriteMany volume), and a read-only connection to a WAL database cannot open on a read-only
/// mount once the trainer has closed it (no <c>-shm</c> file to map). A file replaced by rename
/// reads the same everywhere and takes no lock.
/// </remarks>
public sealed partial class RunStore
{
    private readonly string connectionString;
    private readonly PublishedRunHistory published;
    private readonly bool serveOnly;
    private readonly Lock publishGate = new();

    public RunStore(IOptions<VaeOptions> options, JsonSerializerOptionsProvider json)
    {
        Json = json.Options;
        var directory = Path.GetFullPath(options.Value.StateDirectory);
        DatabasePath = Path.Combine(directory, "runs.db");
        connectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = true }.ToString();
        published = new PublishedRunHistory(directory, Json);
        serveOnly = !options.Value.Training.Enabled;
        if (serveOnly)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        Migrate();
        CreateQualityTable();
        Publish();
    }

    public string DatabasePath { get; }

    /// <summary>The history file the trainer publishes and replicas read.</summary>
    public string PublishedPath => published.Path;

    private JsonSerializerOptions Json { get; }

    /// <summary>
    /// On a serve-only replica: reads the trainer's newest published history if it changed since the
    /// last read. True when it did (the caller then shows the trainer's latest recorded status).
    /// </summary>
    public bool RefreshPublished() => serveOnly && published.Refresh();

    /// <summary>Adds a queued run: the queue is the runs in state <c>queued</c>, oldest <c>queued_at</c> first.</summary>
    public void Insert(string runId, RunParameters parameters, DateTimeOffset createdAt)
    {
        EnsureTrainer();
        using (var connection = Open())
        {
            InsertRun(connection, null, runId, parameters, createdAt, sweepId: null);
        }

        Publish();
    }

    private void InsertRun(SqliteConnection connection, SqliteTransaction? transaction, string runId, RunParameters parameters, DateTimeOffset createdAt, string? sweepId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO runs (id, state, dataset, parameters, created_at, queued_at, sweep_id) VALUES ($id, $state, $dataset, $parameters, $created, $created, $sweep)";
        command.Parameters.AddWithValue("$id", runId);
        command.Parameters.AddWithValue("$state", Name(RunState.Queued));
        command.Parameters.AddWithValue("$dataset", parameters.Dataset);
        command.Parameters.AddWithValue("$parameters", JsonSerializer.Serialize(parameters, Json));
        command.Parameters.AddWithValue("$created", Stamp(createdAt));
        command.Parameters.AddWithValue("$sweep", (object?)sweepId ?? DBNull.Value);
        command.ExecuteNonQuery();
    }

    public void SetState(string runId, RunState state, string? error = null, DateTimeOffset? at = null)
    {
        EnsureTrainer();
        using var connection = Open();
        using var command = connection.CreateCommand();
        var stamp = (at ?? DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture);
        command.CommandText = state switch
        {
            RunState.Running => "UPDATE runs SET state = $state, started_at = COALESCE(started_at, $at), finished_at = NULL, error = NULL WHERE id = $id",
            RunState.Queued => "UPDATE runs SET state = $state WHERE id = $id",
            _ => "UPDATE runs SET state = $state, finished_at = $at, error = $error WHERE id = $id",
        };
        command.Parameters.AddWithValue("$id", runId);
        command.Parameters.AddWithValue("$state", Name(state));
        command.Parameters.AddWithValue("$at", stamp);
        command.Parameters.AddWithValue("$error", (object?)error ?? DBNull.Value);
        command.ExecuteNonQuery();
        Publish();
    }

    /// <summary>
    /// Before a resume: stores the (possibly extended) parameters, drops epochs recorded after
    /// <paramref name="checkpointEpoch"/> and queues the run again.
    /// </summary>
    public void PrepareResume(string runId, RunParameters parameters, int checkpointEpoch)
    {
        EnsureTrainer();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        using (var update = connection.CreateCommand())
        {
            update.CommandText = "UPDATE runs SET parameters = $parameters, state = 'queued', queued_at = $now, finished_at = NULL, error = NULL WHERE id = $id";
            update.Parameters.AddWithValue("$id", runId);
            update.Parameters.AddWithValue("$now", Stamp(DateTimeOffset.UtcNow));
            update.Parameters.AddWithValue("$parameters", JsonSerializer.Serialize(parameters, Json));
            update.ExecuteNonQuery();
        }

        using (var delete = connection.CreateCommand())
        {
            delete.CommandText = "DELETE FROM epochs WHERE run_id = $id AND epoch > $epoch";
            delete.Parameters.AddWithValue("$id", runId);
            delete.Parameters.AddWithValue("$epoch", checkpointEpoch);
            delete.ExecuteNonQuery();
        }

        transaction.Commit();
        Publish();
    }

    public void AddEpoch(string runId, EpochMetrics metrics)
    {
        EnsureTrainer();
        using (var connection = Open())
        {
            WriteEpoch(connection, runId, metrics);
        }

        Publish();
    }

    /// <summary>One epoch row (replacing one recorded before for the same epoch, as a resume retrains it).</summary>
    private static void WriteEpoch(SqliteConnection connection, string runId, EpochMetrics metrics)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR REPLACE INTO epochs (run_id, epoch, loss, reconstruction, kl, test_loss, test_reconstruction, test_kl, seconds, images_per_second, model_version)
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

    /// <summary>
    /// Runs left running by a process that died are marked interrupted (resumable); returns their ids.
    /// Queued runs stay queued: the queue survives a restart and carries on.
    /// </summary>
    public IReadOnlyList<string> MarkAbandonedRunsInterrupted()
    {
        EnsureTrainer();
        using var connection = Open();
        using var transaction = connection.BeginTransaction();
        var ids = new List<string>();
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT id FROM runs WHERE state = 'running'";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                ids.Add(reader.GetString(0));
            }
        }

        using (var update = connection.CreateCommand())
        {
            update.CommandText = "UPDATE runs SET state = 'interrupted', finished_at = $at, error = 'the service stopped while the run was active' WHERE state = 'running'";
            update.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            update.ExecuteNonQuery();
        }

        transaction.Commit();
        Publish();
        return ids;
    }

    public bool IsEmpty()
    {
        if (serveOnly)
        {
            return published.List(1).Count == 0;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM runs";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 0;
    }

    public RunRecord? Get(string runId) => serveOnly ? published.Get(runId) : Query("WHERE id = $id", ("$id", runId)).FirstOrDefault();

    /// <summary>Newest first.</summary>
    public IReadOnlyList<RunRecord> List(int limit = 100) => serveOnly ? published.List(limit) : Query("ORDER BY created_at DESC LIMIT $limit", ("$limit", limit));

    private void EnsureTrainer()
    {
        if (serveOnly)
        {
            throw new InvalidOperationException("A serve-only replica (Vae:Training:Enabled=false) never writes the run history; the trainer owns it.");
        }
    }

    /// <summary>Writes the newest runs to <c>runs.json</c> (temporary file, flushed, renamed) for the replicas.</summary>
    private void Publish()
    {
        lock (publishGate)
        {
            published.Write(Query("ORDER BY created_at DESC LIMIT $limit", ("$limit", PublishedRunHistory.MostRuns)));
        }
    }

    private List<RunRecord> Query(string where, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        var runs = new List<(string Id, RunState State, RunParameters Parameters, DateTimeOffset Created, DateTimeOffset? Started, DateTimeOffset? Finished, string? Error, string? Sweep)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT id, state, parameters, created_at, started_at, finished_at, error, sweep_id FROM runs {where}";
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value);
            }

            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                runs.Add((
                    reader.GetString(0),
                    Enum.Parse<RunState>(reader.GetString(1), ignoreCase: true),
                    JsonSerializer.Deserialize<RunParameters>(reader.GetString(2), Json)!,
                    ParseTime(reader.GetString(3)),
                    reader.IsDBNull(4) ? null : ParseTime(reader.GetString(4)),
                    reader.IsDBNull(5) ? null : ParseTime(reader.GetString(5)),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : reader.GetString(7)));
            }
        }

        return runs.Select(r => new RunRecord(r.Id, r.State, r.Parameters, r.Created, r.Started, r.Finished, r.Error, Epochs(connection, r.Id), SampleQualityOf(connection, r.Id), r.Sweep)).ToList();
    }

    private static List<EpochMetrics> Epochs(SqliteConnection connection, string runId)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT epoch, loss, reconstruction, kl, test_loss, test_reconstruction, test_kl, seconds, images_per_second, model_version FROM epochs WHERE run_id = $run ORDER BY epoch";
        command.Parameters.AddWithValue("$run", runId);
        using var reader = command.ExecuteReader();
        var list = new List<EpochMetrics>();
        while (reader.Read())
        {
            list.Add(new EpochMetrics(
                reader.GetInt32(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4),
                reader.GetDouble(5), reader.GetDouble(6), reader.GetDouble(7), reader.GetDouble(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return list;
    }

    private void Migrate()
    {
        using var connection = Open();
        RunStoreSchema.Migrate(connection);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        // WAL keeps readers (GET /runs) from blocking the trainer's writes; synchronous=FULL makes a
        // committed epoch survive a power cut, not only a process kill.
        pragma.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static string Stamp(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);

    private static string Name(RunState state) => state.ToString().ToLowerInvariant();

    private static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
