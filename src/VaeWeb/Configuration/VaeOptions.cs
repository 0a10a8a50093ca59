using System.ComponentModel.DataAnnotations;
using VaeWeb.Vae.Model;

namespace VaeWeb.Configuration;

/// <summary>The "Vae" configuration section.</summary>
public sealed class VaeOptions
{
    public const string Section = "Vae";

    /// <summary>Where run history and checkpoints live; relative paths are taken from the working directory.</summary>
    [Required]
    public string StateDirectory { get; set; } = "state";

    /// <summary>The data set a run uses when its request names none.</summary>
    [Required]
    public string DefaultDataset { get; set; } = "mnist";

    /// <summary>Named IDX folders; relative paths are taken from the application's folder.</summary>
    public Dictionary<string, DatasetOptions> Datasets { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    [Required]
    public TrainingOptions Training { get; set; } = new();

    [Required]
    public ServingOptions Serving { get; set; } = new();

    [Required]
    public SecurityOptions Security { get; set; } = new();

    [Required]
    public LimitsOptions Limits { get; set; } = new();

    [Required]
    public TestHooksOptions TestHooks { get; set; } = new();

    [Required]
    public JudgeOptions Judge { get; set; } = new();

    [Required]
    public LabOptions Lab { get; set; } = new();
}

/// <summary>The lab: the queue of runs and sweeps over it.</summary>
public sealed class LabOptions
{
    /// <summary>Most runs waiting in the queue at once (POST /runs and POST /sweeps are refused with 409 beyond it).</summary>
    [Range(1, 10_000)]
    public int MaxQueuedRuns { get; set; } = 100;

    /// <summary>Most runs one sweep's grid may make (400 beyond it).</summary>
    [Range(1, 1000)]
    public int MaxSweepRuns { get; set; } = 24;

    /// <summary>
    /// Largest run export <c>POST /runs/import</c> accepts, as sent and unpacked (413 beyond it); unset, it
    /// is computed from the default model (<see cref="Training.ImportLimit.DefaultMaxBytes"/>).
    /// </summary>
    [Range(1024 * 1024, 64L * 1024 * 1024 * 1024)]
    public long? MaxImportBytes { get; set; }
}

public sealed class DatasetOptions
{
    [Required]
    public string Path { get; set; } = "";

    /// <summary>Use only the first N training images (small demos and tests).</summary>
    [Range(1, int.MaxValue)]
    public int? TrainLimit { get; set; }

    /// <summary>Use only the first N test images.</summary>
    [Range(1, int.MaxValue)]
    public int? TestLimit { get; set; }
}

/// <summary>Training control and the defaults of a run started without a body.</summary>
public sealed class TrainingOptions
{
    /// <summary>False makes a serve-only replica: it loads checkpoints but never trains.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Start a default run when the state directory holds no run yet.</summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>LibTorch intra-op threads while training (process-wide).</summary>
    [Range(1, 256)]
    public int Threads { get; set; } = 2;

    [Range(Ranges.MinEpochs, Ranges.MaxEpochs)]
    public int Epochs { get; set; } = 30;

    [Range(Ranges.MinBatchSize, Ranges.MaxBatchSize)]
    public int BatchSize { get; set; } = 128;

    [Range(Ranges.MinLearningRate, Ranges.MaxLearningRate)]
    public double LearningRate { get; set; } = 5e-4;

    [Range(Ranges.MinLatentDim, Ranges.MaxLatentDim)]
    public int LatentDim { get; set; } = 64;

    [Range(Ranges.MinBeta, Ranges.MaxBeta)]
    public double Beta { get; set; } = 1.0;

    public Likelihood Likelihood { get; set; } = Likelihood.Gaussian;

    /// <summary>fp32 (the reference) or bf16 mixed precision for runs that do not say; bf16 needs a CPU with native bfloat16.</summary>
    public Precision Precision { get; set; } = Precision.Fp32;

    [Range(0, long.MaxValue)]
    public long Seed { get; set; }

    /// <summary>The least time between two step-level progress events.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Checkpoints kept per run, newest first; the one with the best test loss is kept as well.</summary>
    [Range(1, 1000)]
    public int KeepLastCheckpoints { get; set; } = 3;

    /// <summary>
    /// How long a stopping host waits for the run to checkpoint and record itself as interrupted
    /// (the host's shutdown timeout).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class ServingOptions
{
    /// <summary>Most images or latent vectors one request may ask for.</summary>
    [Range(Ranges.MinItems, Ranges.MaxItems)]
    public int MaxItems { get; set; } = 256;

    /// <summary>
    /// LibTorch threads per inference request (on the request's own thread). One is fastest on a
    /// small machine that also trains: see TorchThreads.
    /// </summary>
    [Range(1, 256)]
    public int Threads { get; set; } = 1;

    /// <summary>Requests computing at once with the model idle; 0 means one per CPU.</summary>
    [Range(0, 1024)]
    public int ConcurrentRequests { get; set; }

    /// <summary>Requests computing beside a training step at once, when no pause between steps came in time (see MaxWaitWhileTraining).</summary>
    [Range(1, 1024)]
    public int ConcurrentRequestsWhileTraining { get; set; } = 1;

    /// <summary>
    /// While a run trains, requests compute in the trainer's pauses between steps; this is the
    /// most of the time those pauses may take (0.2: training keeps at least 80% of its time).
    /// </summary>
    [Range(0.01, 0.95)]
    public double ComputeShareWhileTraining { get; set; } = 0.2;

    /// <summary>
    /// How long a request waits for the trainer's next pause before it computes beside training
    /// instead (limited to ConcurrentRequestsWhileTraining at once).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MaxWaitWhileTraining { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Requests for at most this many images or latent vectors compute at once beside training
    /// (one at a time) instead of waiting for a pause: a single decode takes about 0.4 ms.
    /// </summary>
    [Range(0, 4096)]
    public int SmallRequestImages { get; set; } = 4;

    /// <summary>The importance samples per image of <c>POST /evaluate</c> when the request names none.</summary>
    [Range(Ranges.MinEvaluationK, Ranges.MaxEvaluationK)]
    public int EvaluationK { get; set; } = 100;

    /// <summary>The most importance samples per image a request may ask for.</summary>
    [Range(Ranges.MinEvaluationK, Ranges.MaxEvaluationK)]
    public int MaxEvaluationK { get; set; } = 1000;

    /// <summary>
    /// How often a serve-only replica (Vae:Training:Enabled=false) looks for a newer checkpoint of the
    /// trainer and the trainer's newest run history. Polling, not file watching: change notifications
    /// do not cross machines on network file systems.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan FollowInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Models besides the serving one kept loaded for requests that name them (<c>model=</c>), least
    /// recently used let go first. Each default model is about 10 MB of weights in memory.
    /// </summary>
    [Range(1, 64)]
    public int CachedModels { get; set; } = 4;

    /// <summary>How long <c>POST /evaluate</c> may run before it is cancelled with 504 (it outlasts Vae:Limits:RequestTimeout).</summary>
    public TimeSpan EvaluationTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
