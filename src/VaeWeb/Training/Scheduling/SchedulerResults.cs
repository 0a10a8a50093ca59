namespace VaeWeb.Training;

/// <summary>The outcome of asking for a new run.</summary>
public abstract record StartResult(RunStatus Status)
{
    public sealed record Started(RunStatus Status) : StartResult(Status);

    public sealed record AlreadyActive(RunStatus Status) : StartResult(Status);

    public sealed record Disabled(RunStatus Status) : StartResult(Status);

    /// <summary>The queue holds Vae:Lab:MaxQueuedRuns already.</summary>
    public sealed record QueueFull(RunStatus Status, int Queued, int Max) : StartResult(Status);

    /// <summary>A resume named a run the history does not hold.</summary>
    public sealed record UnknownRun(RunStatus Status, string RunId) : StartResult(Status);

    /// <summary>A resume named a run that cannot continue (no checkpoint, already finished, …).</summary>
    public sealed record NotResumable(RunStatus Status, string Reason) : StartResult(Status);
}

/// <summary>The outcome of <c>DELETE /runs/{id}</c>.</summary>
public abstract record RemoveResult
{
    public sealed record NotFound : RemoveResult;

    /// <summary>It was queued or running: it is cancelled (a running run after its current batch).</summary>
    public sealed record Cancelling(RunRecord Run) : RemoveResult;

    /// <summary>It had finished: it and its checkpoints are gone.</summary>
    public sealed record Deleted : RemoveResult;

    /// <summary>Its model is what requests without <c>model</c> get; pin another first.</summary>
    public sealed record Serving(string Version) : RemoveResult;

    public sealed record Disabled : RemoveResult;
}
