using System.Globalization;
using Microsoft.Data.Sqlite;

namespace VaeWeb.Training;

/// <summary>
/// The run history's schema, migrated forward step by step on <c>PRAGMA user_version</c>, each
/// step in one transaction (a crash mid-migration leaves the previous version whole).
/// </summary>
internal static class RunStoreSchema
{
    public const int Version = 2;

    private static readonly string[] Steps =
    [
        // 1: runs and their epochs.
        """
        CREATE TABLE IF NOT EXISTS runs (
            id TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            dataset TEXT NOT NULL,
            parameters TEXT NOT NULL,
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT,
            error TEXT);
        CREATE TABLE IF NOT EXISTS epochs (
            run_id TEXT NOT NULL REFERENCES runs(id),
            epoch INTEGER NOT NULL,
            loss REAL NOT NULL,
            reconstruction REAL NOT NULL,
            kl REAL NOT NULL,
            test_loss REAL NOT NULL,
            test_reconstruction REAL NOT NULL,
            test_kl REAL NOT NULL,
            seconds REAL NOT NULL,
            images_per_second REAL NOT NULL,
            model_version TEXT,
            PRIMARY KEY (run_id, epoch));
        """,

        // 2: the queue (queued runs in queued_at order) and sweeps.
        """
        ALTER TABLE runs ADD COLUMN queued_at TEXT;
        ALTER TABLE runs ADD COLUMN sweep_id TEXT;
        UPDATE runs SET queued_at = created_at;
        CREATE INDEX IF NOT EXISTS runs_by_state ON runs (state, queued_at);
        CREATE TABLE IF NOT EXISTS sweeps (
            id TEXT PRIMARY KEY,
            base TEXT NOT NULL,
            grid TEXT NOT NULL,
            created_at TEXT NOT NULL);
        """,
    ];

    public static void Migrate(SqliteConnection connection)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "PRAGMA user_version";
        var current = Convert.ToInt32(read.ExecuteScalar(), CultureInfo.InvariantCulture);
        for (var version = current + 1; version <= Version; version++)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"{Steps[version - 1]}\nPRAGMA user_version = {version};";
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }
}
