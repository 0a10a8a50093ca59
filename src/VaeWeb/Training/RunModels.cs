using System.Text.Json.Serialization;
using VaeWeb.Serving;
using VaeWeb.Vae.Model;

namespace VaeWeb.Training;

public enum RunState
{
    Idle,
    Queued,
    Running,
    Completed,
    Cancelled,
    Failed,
    Interrupted,
}

/// <summary>The hyperparameters of a run as a client sees and sends them.</summary>
public sealed record RunParameters(
    int Epochs,
    int BatchSize,
    double LearningRate,
    int LatentDim,
    double Beta,
    Likelihood Likelihood,
    string Dataset,
    long Seed,
    int Conv1Channels = 32,
    int Conv2Channels = 64,
    int HiddenUnits = 128,
    Precision Precision = Precision.Fp32)
{
    /// <summary>The model these parameters describe, as the trainer builds it.</summary>
    public ModelConfig ToModelConfig() => new()
    {
        LatentDim = LatentDim,
        Beta = Beta,
        Likelihood = Likelihood,
        Conv1Channels = Conv1Channels,
        Conv2Channels = Conv2Channels,
        HiddenUnits = HiddenUnits,
    };
}

/// <summary>Metrics of one finished epoch, as stored and served.</summary>
public sealed record EpochMetrics(
    int Epoch,
    double Loss,
    double Reconstruction,
    double Kl,
    double TestLoss,
    double TestReconstruction,
    double TestKl,
    double Seconds,
    double ImagesPerSecond,
    string? ModelVersion);

/// <summary>The status of the current or last run: what <c>GET /train</c> and its event stream carry.</summary>
public sealed record RunStatus
{
    public string? RunId { get; init; }
    public RunState State { get; init; }
    public RunParameters? Parameters { get; init; }
    public int Epoch { get; init; }
    public int Epochs { get; init; }
    public int Step { get; init; }
    public int StepsPerEpoch { get; init; }
    public double? Loss { get; init; }
    public double? Reconstruction { get; init; }
    public double? Kl { get; init; }
    public double? TestLoss { get; init; }
    public double? TestReconstruction { get; init; }
    public double? TestKl { get; init; }
    public double? ImagesPerSecond { get; init; }
    public double? EtaSeconds { get; init; }
    public string? ModelVersion { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Error { get; init; }

    /// <summary>For a queued run: its place in the queue, 1 = the next to start.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Position { get; init; }

    [JsonIgnore]
    public bool IsActive => State is RunState.Queued or RunState.Running;

    public static RunStatus Idle { get; } = new() { State = RunState.Idle };
}

/// <summary>
/// A run as kept in the history; <c>sampleQuality</c> holds the judge's scores of its final model's
/// samples once it completed; <c>sweepId</c> names the sweep that queued it, if one did.
/// </summary>
public sealed record RunRecord(
    string RunId,
    RunState State,
    RunParameters Parameters,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    IReadOnlyList<EpochMetrics> Epochs,
    SampleQualityReport? SampleQuality = null,
    string? SweepId = null);
