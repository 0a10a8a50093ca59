using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using VaeWeb.Bench;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Training;
using static TorchSharp.torch;

// Usage: VaeWeb.Bench [--runs N] [--threads T] [--scaling-runs N] [--no-scaling] [--only training,inference,scaling]
//                     [--fashion DIR] [--out results.md] | --profile
//        VaeWeb.Bench --quality STATE_DIR [--pictures DIR] [--out FILE]   (the README's quality table)
//        VaeWeb.Bench --upload-latency --url U[,U2…] [--requests N] | --upload-soak --url U --pid P [--uploads N] [--concurrency C]
var runs = IntArg("--runs", 5);
var threads = IntArg("--threads", 2);
var scalingRuns = IntArg("--scaling-runs", runs);
var only = StringArg("--only")?.Split(',') ?? ["training", "inference", "scaling"];
var noScaling = args.Contains("--no-scaling") || !only.Contains("scaling");
var outPath = StringArg("--out");
var fashionPath = StringArg("--fashion") ?? ScalingBench.FashionPath;

// Before the first tensor operation: the service's OpenMP wait policy (passive unless the environment says otherwise).
var waitPolicy = VaeWeb.Vae.TorchRuntime.ConfigureOpenMpWaits();
VaeWeb.Vae.TorchRuntime.KeepTensorMemoryInHeap();

// Against a running service (bench/uploads.sh): no LibTorch in this process.
if (args.Contains("--upload-latency"))
{
    return await UploadBench.LatencyAsync([.. StringArg("--url")!.Split(',').Select(u => new Uri(u))], IntArg("--requests", 200));
}

if (args.Contains("--upload-soak"))
{
    return await UploadBench.SoakAsync(new Uri(StringArg("--url")!), IntArg("--pid", 0), IntArg("--uploads", 2000), IntArg("--concurrency", 4));
}

if (args.Contains("--quality"))
{
    Console.WriteLine($"CPU: {CpuInfo.Read()}");
    return QualityBench.Run(StringArg("--quality")!, StringArg("--pictures"), outPath, threads);
}

if (args.Contains("--cpu-kind"))
{
    Console.WriteLine(CpuInfo.Read().Kind);
    return 0;
}

if (args.Contains("--profile"))
{
    Profile.Run(Math.Max(runs, 10), threads);
    return 0;
}

var report = new Report();
var startLoad = LoadAverage();
var started = DateTime.UtcNow;
set_num_threads(threads);
Console.WriteLine($"VaeWeb bench: {runs} runs per figure, {threads} LibTorch threads, {waitPolicy}, {Environment.ProcessorCount} CPUs, load average {LoadAverage()}");

var cpu = CpuInfo.Read();
Console.WriteLine($"CPU: {cpu}");
var model = VaeWeb.Vae.Model.ModelConfig.Reference;
// The service's start-up self-check, here: which fast layer forms agree with the plain stack on this CPU.
var forms = VaeWeb.Vae.Model.LayerFormCheck.Run(model, [threads, 1]);
Console.WriteLine(forms.Summary);
report.Add("self-check", $"layer forms in use: {forms.Selected}", Single(forms.Checks.Max(c => Math.Max(c.ForwardError ?? double.PositiveInfinity, c.GradientError ?? double.PositiveInfinity))), "rel. error",
    note: forms.Refused.Count == 0 ? $"worst fp32-vs-fp64 error (norm) of any form; tolerance {VaeWeb.Vae.Model.LayerFormCheck.Tolerance:0.#E+0}" : "refused: " + string.Join(", ", forms.Refused));
report.Add("model", "forward pass per image (encoder + decoder)", Single(Flops.ForwardPerImage(model) / 1e6), "MFLOP", note: $"encoder {Flops.EncoderPerImage(model) / 1e6:0.00}, decoder {Flops.DecoderPerImage(model) / 1e6:0.00}");
report.Add("model", "training step per image (forward + backward)", Single(Flops.TrainingStepPerImage(model) / 1e6), "MFLOP");

Console.WriteLine("Matrix-multiply ceiling…");
var ceiling = TrainingBench.MatmulCeiling(runs);
report.Add("ceiling", $"fp32 matmul {TrainingBench.MatrixSide}×{TrainingBench.MatrixSide}, {threads} threads", ceiling, "GFLOP/s", note: "baseline for achieved GFLOP/s");

var dataDir = Path.Combine(AppContext.BaseDirectory, "data", "mnist");
using var mnist = DigitDataset.Load("mnist", dataDir);
Console.WriteLine($"Training: bare loop vs service Trainer, {mnist.Train.Count:N0} embedded digits per epoch…");
if (only.Contains("training"))
{
    TrainingBench.Compare(report, mnist, runs, threads, ceiling, forms.Selected);
    if (VaeWeb.Vae.CpuFeatures.HasNativeBf16)
    {
        Console.WriteLine("Training in bf16 mixed precision (this CPU computes bfloat16 natively)…");
        TrainingBench.Compare(report, mnist, runs, threads, ceiling, forms.Selected, VaeWeb.Vae.Model.Precision.Bf16);
    }
    else
    {
        report.Note("bf16 training not measured: this CPU has neither avx512_bf16 nor amx_bf16.");
    }
}

if (only.Contains("inference"))
{
    Console.WriteLine("Inference (model after one epoch)…");
    using var serving = TrainedOneEpoch(mnist, threads);
    InferenceBench.Run(report, serving, mnist.Test, runs, threads);
    if (threads != 1)
    {
        InferenceBench.Run(report, serving, mnist.Test, runs, 1);
    }

    InferenceBench.SampleScaling(report, serving, runs, threads);
    if (threads != 1)
    {
        InferenceBench.SampleScaling(report, serving, runs, 1);
    }
}

if (noScaling)
{
    report.Note("Scaling on Fashion-MNIST skipped (--no-scaling).");
}
else
{
    Console.WriteLine("Scaling: epoch time on 10k / 30k / 60k Fashion-MNIST images…");
    set_num_threads(threads);
    ScalingBench.Run(report, fashionPath, scalingRuns, threads);
}

var elapsed = DateTime.UtcNow - started;
report.Note($"Every ratio compares two figures measured in this same process run, minutes apart at most: the machine is shared (other builds and tests run beside it), so absolute figures are noisy while ratios are much steadier. Load average at the end: {LoadAverage()}.");
var md = new StringBuilder();
md.AppendLine(CultureInfo.InvariantCulture, $"### In-process figures ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {elapsed.TotalMinutes:F1} min)");
md.AppendLine();
md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {cpu}, kind `{cpu.Kind}`, {Environment.ProcessorCount} CPUs, {RuntimeInformation.OSDescription}, .NET {Environment.Version}, TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version}, {threads} LibTorch threads unless the row says otherwise, {waitPolicy}. Load average at the start: {startLoad}.");
md.AppendLine();
md.Append(report.ToMarkdown());
Console.WriteLine();
Console.WriteLine(md);
if (outPath is not null)
{
    File.WriteAllText(outPath, md.ToString());
}

return 0;

static InferenceModel TrainedOneEpoch(DigitDataset data, int threads)
{
    using var trainer = new Trainer(new TrainingConfig { Seed = 0, Threads = threads }, data);
    trainer.RunEpoch();
    return InferenceModel.CopyOf(trainer.Model, "bench");
}

static Stat Single(double v) => new(v, v, v, 1);

int IntArg(string name, int fallback) => StringArg(name) is { } s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;

string? StringArg(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

