using Microsoft.Extensions.Options;
using VaeWeb.Api;
using VaeWeb.Configuration;
using VaeWeb.Serving;
using VaeWeb.Vae.Checkpoints;
using VaeWeb.Vae.Inference;

namespace VaeWeb.Training;

/// <summary>The outcome of an import that was not refused as bad input (those throw <see cref="BadInputException"/>).</summary>
public abstract record ImportResult
{
    public sealed record Imported(RunRecord Run) : ImportResult;

    /// <summary>The history already holds a run with this id, or (<paramref name="InHistory"/> false) only its checkpoint folder exists.</summary>
    public sealed record AlreadyPresent(string RunId, bool InHistory = true) : ImportResult;

    /// <summary>A serve-only replica never writes the history or the checkpoints.</summary>
    public sealed record Disabled : ImportResult;
}

/// <summary>
/// <c>POST /runs/import</c>: receives an export into a staging folder inside the state directory,
/// checks all of it (<see cref="RunArchiveReader"/>), and only then moves its checkpoints to
/// <c>checkpoints/&lt;runId&gt;</c> and records the run in one transaction. Whatever fails, the staging
/// folder goes, so a refused import leaves the state directory as it was.
/// </summary>
public sealed partial class RunImporter(
    IOptions<VaeOptions> options,
    RunStore store,
    CheckpointStore checkpoints,
    ModelHost modelHost,
    ServedModels served,
    JsonSerializerOptionsProvider json,
    ILogger<RunImporter> logger) : IDisposable
{
    private const string StagingFolder = "imports";

    /// <summary>One import at a time: the id check and the move into place must not interleave.</summary>
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>The most bytes an export may have, as sent and unpacked.</summary>
    public long MaxBytes => ImportLimit.MaxBytes(options.Value);

    private string StagingRoot => Path.Combine(Path.GetFullPath(options.Value.StateDirectory), StagingFolder);

    public async Task<ImportResult> ImportAsync(Stream body, long? declaredLength, CancellationToken cancellationToken)
    {
        if (!options.Value.Training.Enabled)
        {
            return new ImportResult.Disabled();
        }

        var max = MaxBytes;
        if (declaredLength > max)
        {
            throw TooLarge($"An export may be at most {max} bytes (Vae:Lab:MaxImportBytes), got {declaredLength}.");
        }

        await gate.WaitAsync(cancellationToken);
        var staging = Path.Combine(StagingRoot, Guid.NewGuid().ToString("N"));
        try
        {
            RemoveLeftovers();
            Directory.CreateDirectory(staging);
            var upload = Path.Combine(staging, "upload.zip");
            await ReceiveAsync(body, upload, max, cancellationToken);
            var reader = new RunArchiveReader(json.Options, max, runId => store.Get(runId) is not null || Directory.Exists(Path.Combine(checkpoints.Root, runId)));
            return reader.Unpack(upload, staging) switch
            {
                RunArchiveReader.Result.Present present => new ImportResult.AlreadyPresent(present.RunId, store.Get(present.RunId) is not null),
                RunArchiveReader.Result.Staged staged => Commit(staged),
                _ => throw new InvalidOperationException("Unknown unpack result."),
            };
        }
        finally
        {
            DeleteStaging(staging);
            gate.Release();
        }
    }

    private ImportResult Commit(RunArchiveReader.Result.Staged staged)
    {
        var run = staged.Run;
        var target = Path.Combine(checkpoints.Root, run.RunId);
        var rootExisted = Directory.Exists(checkpoints.Root);
        Directory.CreateDirectory(checkpoints.Root);
        Directory.Move(staged.CheckpointDirectory, target);
        try
        {
            if (!store.TryImport(run))
            {
                RemoveImported(target, rootExisted);
                return new ImportResult.AlreadyPresent(run.RunId);
            }
        }
        catch
        {
            RemoveImported(target, rootExisted);
            throw;
        }

        CheckpointFiles.FlushDirectory(checkpoints.Root);
        LogImported(run.RunId, staged.CheckpointCount);
        try
        {
            ServeIfNothingServes(run.RunId);
        }
        catch (Exception e)
        {
            // The run is imported either way: it serves with model=, or after the next restart.
            LogNotServed(e, run.RunId);
        }

        return new ImportResult.Imported(store.Get(run.RunId) ?? run);
    }

    /// <summary>
    /// A fresh instance has nothing to serve: the imported run's model (what <c>model=&lt;runId&gt;</c>
    /// names) then serves, unless a version was pinned meanwhile.
    /// </summary>
    private void ServeIfNothingServes(string runId)
    {
        if (modelHost.HasModel)
        {
            return;
        }

        try
        {
            var found = served.Find(runId);
            if (modelHost.PublishNewest(() => served.LoadVerified(found)))
            {
                LogServing(found.Version);
            }
        }
        catch (BadInputException)
        {
            // The run is imported; its model not serving yet is no reason to refuse it (model= says why).
        }
    }

    private static async Task ReceiveAsync(Stream body, string path, long max, CancellationToken cancellationToken)
    {
        long total = 0;
        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var buffer = new byte[1 << 16];
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > max)
                    {
                        throw TooLarge($"An export may be at most {max} bytes (Vae:Lab:MaxImportBytes); the body is longer.");
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                throw TooLarge($"An export may be at most {max} bytes (Vae:Lab:MaxImportBytes); the body is longer.");
            }
        }

        if (total == 0)
        {
            throw BadInputException.Invalid("body", "The body is empty: send the file GET /runs/{id}/export wrote (Content-Type: application/zip).");
        }
    }

    private static BadInputException TooLarge(string message) => new(StatusCodes.Status413PayloadTooLarge, "body", message);

    /// <summary>Staging folders of a process that died mid-import (imports are one at a time, so any found now is stale).</summary>
    private void RemoveLeftovers()
    {
        if (!Directory.Exists(StagingRoot))
        {
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(StagingRoot))
        {
            DeleteQuietly(directory);
        }
    }

    private void DeleteStaging(string staging)
    {
        DeleteQuietly(staging);
        try
        {
            if (Directory.Exists(StagingRoot) && !Directory.EnumerateFileSystemEntries(StagingRoot).Any())
            {
                Directory.Delete(StagingRoot);
            }
        }
        catch (IOException)
        {
            // Another import created its folder meanwhile; the root stays for it.
        }
    }

    private void RemoveImported(string target, bool rootExisted)
    {
        DeleteQuietly(target);
        if (!rootExisted && Directory.Exists(checkpoints.Root) && !Directory.EnumerateFileSystemEntries(checkpoints.Root).Any())
        {
            Directory.Delete(checkpoints.Root);
        }
    }

    private void DeleteQuietly(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogStagingNotRemoved(e, directory);
        }
    }

    public void Dispose() => gate.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Imported run {RunId} with {Checkpoints} checkpoints")]
    private partial void LogImported(string runId, int checkpoints);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving imported model {ModelVersion}")]
    private partial void LogServing(string modelVersion);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Imported run {RunId} could not start serving")]
    private partial void LogNotServed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the import staging folder {Directory}")]
    private partial void LogStagingNotRemoved(Exception exception, string directory);
}
