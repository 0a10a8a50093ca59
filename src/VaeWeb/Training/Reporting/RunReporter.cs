using VaeWeb.Serving;
using VaeWeb.Vae.Training;

namespace VaeWeb.Training;

/// <summary>
/// Reporting: what <c>GET /train</c> and its event stream show. Turns the history's records, the
/// trainer's steps and its finished epochs into <see cref="RunStatus"/> and publishes them on the
/// <see cref="TrainingStatusFeed"/>. Holds no state of its own beyond the feed. Every status it
/// publishes says the version serving at that moment, and a model swapped in (a new epoch, a pin,
/// an unpin) is announced at once, so the page's "Serving model" never names one that is not.
/// </summary>
public sealed class RunReporter
{
    private readonly TrainingStatusFeed feed;
    private readonly RunStore store;
    private readonly ModelHost modelHost;

    public RunReporter(TrainingStatusFeed feed, RunStore store, ModelHost modelHost)
    {
        (this.feed, this.store, this.modelHost) = (feed, store, modelHost);
        modelHost.Published += _ => Publish(feed.Current);
    }

    public RunStatus Current => feed.Current;

    public void Publish(RunStatus status) => feed.Publish(status with { ModelVersion = modelHost.CurrentVersion ?? status.ModelVersion });

    /// <summary>
    /// Makes the last run in the history the status <c>GET /train</c> shows: at start-up, and on a
    /// serve-only replica each time the trainer publishes a newer history (the replica has no live
    /// progress of its own, only what the trainer recorded).
    /// </summary>
    public void ShowLastRecordedRun()
    {
        var recent = store.List(1);
        if (recent.Count > 0)
        {
            Publish(StatusOf(recent[0]));
        }
    }

    /// <summary>A run just queued, at <paramref name="position"/> in the queue (1 = next).</summary>
    public RunStatus Queued(string runId, RunParameters parameters, DateTimeOffset createdAt, int position) => new()
    {
        RunId = runId,
        State = RunState.Queued,
        Parameters = parameters,
        Epochs = parameters.Epochs,
        CreatedAt = createdAt,
        ModelVersion = modelHost.CurrentVersion,
        Position = position,
    };

    public RunStatus StatusOf(RunRecord run) => StatusOf(run, run.Epochs.Count > 0 ? run.Epochs[^1] : null);

    /// <summary>A run's status as of one of its recorded epochs (its last one after a restart, the resumed one on resume).</summary>
    public RunStatus StatusOf(RunRecord run, EpochMetrics? last) => new()
    {
        RunId = run.RunId,
        State = run.State,
        Parameters = run.Parameters,
        Epoch = last?.Epoch ?? 0,
        Epochs = run.Parameters.Epochs,
        Loss = last?.Loss,
        Reconstruction = last?.Reconstruction,
        Kl = last?.Kl,
        TestLoss = last?.TestLoss,
        TestReconstruction = last?.TestReconstruction,
        TestKl = last?.TestKl,
        ImagesPerSecond = last?.ImagesPerSecond,
        ModelVersion = modelHost.CurrentVersion,
        CreatedAt = run.CreatedAt,
        StartedAt = run.StartedAt,
        FinishedAt = run.FinishedAt,
        Error = run.Error,
    };

    /// <summary>Progress within an epoch, with the time left for the whole run.</summary>
    public void Step(RunStatus epochStatus, StepProgress step, int epochs, int trainCount, int batchSize)
    {
        var remainingImages = ((long)(epochs - step.Epoch) * trainCount) + ((long)(step.StepsPerEpoch - step.Step) * batchSize);
        Publish(epochStatus with
        {
            Epoch = step.Epoch,
            Step = step.Step,
            Loss = step.Running.Loss,
            Reconstruction = step.Running.Reconstruction,
            Kl = step.Running.Kl,
            ImagesPerSecond = step.ImagesPerSecond,
            EtaSeconds = step.ImagesPerSecond > 0 ? remainingImages / step.ImagesPerSecond : null,
        });
    }

    /// <summary>A finished epoch; returns the status the next epoch's progress builds on.</summary>
    public RunStatus Epoch(RunStatus status, EpochResult result, int stepsPerEpoch, int epochs, string version)
    {
        status = status with
        {
            Epoch = result.Epoch,
            Step = stepsPerEpoch,
            Loss = result.Train.Loss,
            Reconstruction = result.Train.Reconstruction,
            Kl = result.Train.Kl,
            TestLoss = result.Test.Loss,
            TestReconstruction = result.Test.Reconstruction,
            TestKl = result.Test.Kl,
            ImagesPerSecond = result.ImagesPerSecond,
            EtaSeconds = (epochs - result.Epoch) * result.Duration.TotalSeconds,
            ModelVersion = version,
        };
        Publish(status);
        return status;
    }

    /// <summary>The run's end, with the version that serves after it.</summary>
    public void Finished(RunStatus status, RunState state, DateTimeOffset finishedAt, string? error) =>
        Publish(status with { State = state, FinishedAt = finishedAt, Error = error, EtaSeconds = null });
}
