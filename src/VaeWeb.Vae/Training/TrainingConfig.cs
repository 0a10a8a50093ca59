using VaeWeb.Vae.Model;

namespace VaeWeb.Vae.Training;

/// <summary>Everything that determines a training run; the defaults are the reference recipe.</summary>
public sealed record TrainingConfig
{
    public ModelConfig Model { get; init; } = ModelConfig.Reference;
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 128;
    public double LearningRate { get; init; } = 5e-4;
    public long Seed { get; init; }

    /// <summary>fp32 (the reference) or bf16 mixed precision, where the CPU has it.</summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>Intra-op threads for LibTorch while training; 0 leaves LibTorch's default.</summary>
    public int Threads { get; init; }
}

/// <summary>Loss parts averaged over images.</summary>
public readonly record struct LossSummary(double Loss, double Reconstruction, double Kl)
{
    public bool IsFinite => double.IsFinite(Loss) && double.IsFinite(Reconstruction) && double.IsFinite(Kl);
}

/// <summary>A step-level report from inside an epoch.</summary>
public sealed record StepProgress(
    int Epoch,
    int Step,
    int StepsPerEpoch,
    LossSummary Running,
    double ImagesPerSecond);

/// <summary>What one finished epoch produced.</summary>
public sealed record EpochResult(
    int Epoch,
    LossSummary Train,
    LossSummary Test,
    TimeSpan Duration,
    double ImagesPerSecond);
