using VaeWeb.Vae.Training;

namespace VaeWeb.Vae.Checkpoints;

/// <summary>What a checkpoint says about itself, stored beside the weights.</summary>
public sealed record CheckpointMetadata(
    string RunId,
    int Epoch,
    string Dataset,
    TrainingConfig Config,
    EpochResult Result,
    DateTimeOffset CreatedAt)
{
    /// <summary>
    /// Steps of epoch <c>Epoch + 1</c> already taken: 0 for an end-of-epoch checkpoint, more for
    /// one written when a run was stopped mid-epoch (its <see cref="Result"/> then holds the
    /// partial epoch's training loss and the last test figures).
    /// </summary>
    public int Step { get; init; }

    /// <summary>The version clients see: run id and epoch (and step, mid-epoch).</summary>
    public string ModelVersion => ModelVersions.Format(RunId, Epoch, Step);
}

public static class ModelVersions
{
    public static string Format(string runId, int epoch, int step = 0) =>
        step == 0 ? $"{runId}.e{epoch}" : $"{runId}.e{epoch}.s{step}";
}

/// <summary>One checkpoint on disk whose manifest verified.</summary>
public sealed record Checkpoint(string Directory, string Stem, CheckpointMetadata Metadata)
{
    public string WeightsPath => Path.Combine(Directory, Stem + CheckpointStore.WeightsSuffix);

    public string OptimizerPath => Path.Combine(Directory, Stem + CheckpointStore.OptimizerSuffix);
}

/// <summary>The manifest written last: the checkpoint exists only once it does.</summary>
public sealed record CheckpointManifest(int Version, Dictionary<string, string> Sha256, DateTimeOffset CreatedAt);
