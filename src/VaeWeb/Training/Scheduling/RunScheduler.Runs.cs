namespace VaeWeb.Training;

/// <summary>Resuming a run, and removing one (cancel while queued or running, delete once finished).</summary>
public sealed partial class RunScheduler
{
    /// <summary>
    /// Continues <paramref name="runId"/> from its newest checkpoint that verifies: same run id,
    /// weights, optimiser state and epoch counter, so its loss curve carries on.
    /// <paramref name="epochs"/> may raise the run's total (to extend a completed run).
    /// </summary>
    public StartResult TryResume(string runId, int? epochs)
    {
        lock (gate)
        {
            if (!Training.Enabled)
            {
                return new StartResult.Disabled(reporter.Current);
            }

            if (running is not null || store.QueuedIds().Count > 0)
            {
                return new StartResult.AlreadyActive(reporter.Current);
            }

            if (store.Get(runId) is not { } record)
            {
                return new StartResult.UnknownRun(reporter.Current, runId);
            }

            if (!datasets.Contains(record.Parameters.Dataset))
            {
                return new StartResult.NotResumable(reporter.Current, $"run {runId} trained on data set '{record.Parameters.Dataset}', which is no longer configured.");
            }

            if (checkpoints.LatestVerified(runId) is not { } checkpoint)
            {
                return new StartResult.NotResumable(reporter.Current, $"run {runId} has no checkpoint that verifies.");
            }

            var parameters = record.Parameters with { Epochs = epochs ?? record.Parameters.Epochs };
            var done = checkpoint.Metadata.Epoch;
            if (done >= parameters.Epochs)
            {
                return new StartResult.NotResumable(reporter.Current, $"run {runId} has finished {done} of {parameters.Epochs} epochs; send a larger 'epochs' with 'resume' to train it further.");
            }

            // The history follows the checkpoint: epochs recorded after it (whose checkpoint was
            // lost) are trained again and recorded anew.
            store.PrepareResume(runId, parameters, done);
            var last = record.Epochs.LastOrDefault(e => e.Epoch == done);
            var status = reporter.StatusOf(record, last) with
            {
                State = RunState.Queued,
                Parameters = parameters,
                Epoch = done,
                Epochs = parameters.Epochs,
                ImagesPerSecond = null,
                StartedAt = null,
                FinishedAt = null,
                Error = null,
                Position = 1,
            };
            reporter.Publish(status);
            wake.Release();
            return new StartResult.Started(status);
        }
    }

    /// <summary>
    /// <c>DELETE /runs/{id}</c>: a queued or running run is cancelled; a finished one is deleted with
    /// its checkpoints, unless its model is what serves by default (pinned, or the newest while
    /// nothing is pinned).
    /// </summary>
    public RemoveResult TryRemove(string runId)
    {
        lock (gate)
        {
            if (!Training.Enabled)
            {
                return new RemoveResult.Disabled();
            }

            if (store.Get(runId) is not { } record)
            {
                return new RemoveResult.NotFound();
            }

            if (record.State is RunState.Queued or RunState.Running)
            {
                TryCancel(runId);
                return new RemoveResult.Cancelling(store.Get(runId) ?? record);
            }

            if (served.Serves(runId))
            {
                return new RemoveResult.Serving(served.State.Pinned ?? served.State.Serving ?? runId);
            }

            // Checkpoints first (each manifest before its files), then the history in one transaction.
            checkpoints.DeleteRun(runId);
            store.Delete(runId);
            served.Forget(runId);
            LogDeleted(runId);
            if (reporter.Current.RunId == runId)
            {
                reporter.ShowLastRecordedRun();
            }

            return new RemoveResult.Deleted();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} deleted with its checkpoints")]
    private partial void LogDeleted(string runId);
}
