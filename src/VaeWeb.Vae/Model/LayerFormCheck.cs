using TorchSharp;
using System.Diagnostics;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Model;

/// <summary>How one way of computing the model compared with the plain stack in double precision.</summary>
/// <param name="Form">"plain" (the fp32 plain stack itself), a fast form's name, or the chosen combination.</param>
/// <param name="Threads">LibTorch threads the fp32 pass ran on.</param>
/// <param name="Batch">Images in the batch.</param>
/// <param name="ForwardError">‖Δ‖ / ‖reference‖ of the logits; null when the form gave NaN or ∞.</param>
/// <param name="GradientError">The largest ‖Δ‖ / ‖reference‖ over every parameter's gradient; null when NaN or ∞.</param>
/// <param name="WorstParameter">The parameter whose gradient differed most.</param>
public sealed record FormCheck(string Form, int Threads, int Batch, double? ForwardError, double? GradientError, string WorstParameter, bool Agrees)
{
    public override string ToString() =>
        $"{Form} at {Threads} thread(s), batch {Batch}: forward {Show(ForwardError)}, gradient of {WorstParameter} {Show(GradientError)}";

    private static string Show(double? error) => error is { } e ? e.ToString("E1", System.Globalization.CultureInfo.InvariantCulture) : "NaN/∞";
}

/// <summary>The forms a process uses, and the checks that chose them.</summary>
public sealed record LayerFormDecision(LayerForms Selected, IReadOnlyList<FormCheck> Checks, IReadOnlyList<string> Refused, TimeSpan Duration)
{
    /// <summary>A one-line account for the log: what is used, what is refused and by how much.</summary>
    public string Summary =>
        Refused.Count == 0
            ? $"layer forms {Selected}: every fast form agrees with the plain stack (worst relative error {Checks.Max(c => Math.Max(c.ForwardError ?? 0, c.GradientError ?? 0)):E1}, {Duration.TotalMilliseconds:F0} ms)"
            : $"layer forms {Selected}; refused: " + string.Join("; ", Checks.Where(c => !c.Agrees));
}

/// <summary>
/// Checks, on the CPU the process runs on, that each fast layer form computes what the plain layer
/// stack of the design computes: the whole VAE (encoder, reparameterisation with a fixed ε, decoder,
/// the training loss), forward and backward, every parameter's gradient, against the plain stack in
/// double precision. LibTorch picks different oneDNN kernels on different CPUs (AVX-512, AVX-512
/// BF16, AMX), so a form measured correct on one machine is not known correct on another; a form
/// that disagrees is not used. Nothing here names a CPU: the check is the only judge.
/// </summary>
public static class LayerFormCheck
{
    /// <summary>
    /// Relative error (in norm, see <see cref="RelativeError"/>) above which a form disagrees. fp32
    /// against fp64 measured 1e-7 to 3e-6 at batch 16 and 4e-4 at batch 128, where a few of the
    /// 5 million pre-activations sit within rounding of the ReLU's kink; a wrong kernel is off by
    /// order 1 (or NaN). 1e-2 is 20× above the first and 100× below the second.
    /// </summary>
    public const double Tolerance = 1e-2;

    /// <summary>Small and training-sized batches: oneDNN picks kernels by shape as well as CPU.</summary>
    public static IReadOnlyList<int> DefaultBatches { get; } = [16, 128];

    /// <summary>
    /// Checks every fast form alone, then the combination of those that agree, at each thread count
    /// and batch size; returns the forms to use (the plain stack when even the combination disagrees).
    /// Runs on the calling thread and leaves its LibTorch width as it found it.
    /// </summary>
    public static LayerFormDecision Run(ModelConfig config, IReadOnlyCollection<int> threadCounts, IReadOnlyList<int>? batches = null, long seed = 0)
    {
        var started = Stopwatch.GetTimestamp();
        var widthBefore = TorchThreads.OfThisThread();
        var checks = new List<FormCheck>();
        try
        {
            var cases = (from t in threadCounts.Distinct() from b in batches ?? DefaultBatches select (t, b)).ToList();
            using var probe = Probe.Create(config, seed, cases.Max(c => c.b));
            var agreeing = LayerForms.Plain;
            var refused = new List<string>();
            foreach (var (name, forms) in LayerForms.EachFastForm)
            {
                var results = cases.Select(c => probe.Compare(name, forms, c.t, c.b)).ToList();
                checks.AddRange(results);
                if (results.All(r => r.Agrees))
                {
                    agreeing = agreeing with
                    {
                        ChannelsLast = agreeing.ChannelsLast || forms.ChannelsLast,
                        DepthwiseOutput = agreeing.DepthwiseOutput || forms.DepthwiseOutput,
                        InPlaceRelu = agreeing.InPlaceRelu || forms.InPlaceRelu,
                    };
                }
                else
                {
                    refused.Add(name);
                }
            }

            var selected = agreeing;
            if (agreeing != LayerForms.Plain && LayerForms.EachFastForm.Count(f => Uses(agreeing, f.Forms)) > 1)
            {
                var combined = cases.Select(c => probe.Compare(agreeing.ToString(), agreeing, c.t, c.b)).ToList();
                checks.AddRange(combined);
                if (!combined.All(r => r.Agrees))
                {
                    refused.Add(agreeing.ToString());
                    selected = LayerForms.Plain;
                }
            }

            return new LayerFormDecision(selected, checks, refused, Stopwatch.GetElapsedTime(started));
        }
        finally
        {
            TorchThreads.ForThisThread(widthBefore);
        }
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static bool Uses(LayerForms all, LayerForms one) =>
        (one.ChannelsLast && all.ChannelsLast) || (one.DepthwiseOutput && all.DepthwiseOutput) || (one.InPlaceRelu && all.InPlaceRelu);

    /// <summary>
    /// ‖a − b‖ / ‖b‖ (Frobenius norms); NaN or ∞ anywhere counts as infinitely wrong. A norm, not the
    /// largest element: the ReLU's kink makes a pre-activation that fp32 rounds to the other side of
    /// zero switch one unit of one image on or off, a discrete change in a few gradient entries that
    /// is no error of any kernel (measured: 4e-3 of the largest entry of the decoder's fc.weight
    /// gradient at batch 128, 4e-4 in norm). A wrong kernel is off by order 1 in norm.
    /// </summary>
    public static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var a = actual.to(float64);
        var difference = (a - expected).norm().item<double>();
        var scale = expected.norm().item<double>();
        var error = difference / Math.Max(scale, 1e-30);
        return double.IsFinite(error) && a.isfinite().all().item<bool>() ? error : double.PositiveInfinity;
    }

    /// <summary>A model with fixed weights, inputs and ε, and the fp64 plain-stack reference for them.</summary>
    private sealed class Probe : IDisposable
    {
        private readonly ConvVae model;
        private readonly ConvVae reference;
        private readonly Tensor x;
        private readonly Tensor eps;
        private readonly Dictionary<int, (Tensor Logits, Dictionary<string, Tensor> Gradients)> expected = [];

        private Probe(ConvVae model, ConvVae reference, Tensor x, Tensor eps)
        {
            this.model = model;
            this.reference = reference;
            this.x = x;
            this.eps = eps;
        }

        public static Probe Create(ModelConfig config, long seed, int maxBatch)
        {
            using var generator = new Generator((ulong)seed);
            var model = new ConvVae(config, LayerForms.Plain);
            using (no_grad())
            {
                // Weights of the scale default initialisation gives (uniform ±1/√fan-in), from our own generator.
                foreach (var (_, parameter) in model.named_parameters())
                {
                    var fanIn = parameter.dim() > 1 ? parameter.shape.Skip(1).Aggregate(1L, (a, b) => a * b) : parameter.shape[0];
                    using var values = rand(parameter.shape, generator: generator).Times(2).Minus(1).Over(Math.Sqrt(fanIn));
                    parameter.copy_(values);
                }
            }

            var reference = new ConvVae(config, LayerForms.Plain);
            reference.to(float64);
            using (no_grad())
            {
                var source = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
                foreach (var (name, parameter) in reference.named_parameters())
                {
                    parameter.copy_(source[name]);
                }
            }

            var x = rand([maxBatch, 1, ModelConfig.ImageSide, ModelConfig.ImageSide], dtype: float64, generator: generator);
            var eps = randn([maxBatch, config.LatentDim], dtype: float64, generator: generator);
            return new Probe(model, reference, x, eps);
        }

        public FormCheck Compare(string name, LayerForms forms, int threads, int batch)
        {
            if (!expected.TryGetValue(batch, out var want))
            {
                want = Pass(reference, LayerForms.Plain, batch, float64);
                expected[batch] = want;
            }

            TorchThreads.ForThisThread(threads);
            var (logits, gradients) = Pass(model, forms, batch, float32);
            using var scope = NewDisposeScope();
            var forward = RelativeError(logits, want.Logits);
            var worst = (Name: "", Error: 0.0);
            foreach (var (parameter, expectedGradient) in want.Gradients)
            {
                var error = RelativeError(gradients[parameter], expectedGradient);
                if (!(error <= worst.Error))
                {
                    worst = (parameter, error);
                }
            }

            logits.Dispose();
            foreach (var g in gradients.Values)
            {
                g.Dispose();
            }

            var agrees = forward <= Tolerance && worst.Error <= Tolerance;
            return new FormCheck(name, threads, batch, Finite(forward), Finite(worst.Error), worst.Name, agrees);
        }

        /// <summary>One training step's forward and backward (no update): logits and every parameter's gradient.</summary>
        private (Tensor Logits, Dictionary<string, Tensor> Gradients) Pass(ConvVae vae, LayerForms forms, int batch, ScalarType dtype)
        {
            vae.Forms = forms;
            vae.zero_grad();
            using var scope = NewDisposeScope();
            var xs = x.narrow(0, 0, batch).to(dtype);
            var (mu, logVar) = vae.Encoder.forward(xs);
            var z = mu.Plus(logVar.Times(0.5).exp() * eps.narrow(0, 0, batch).to(dtype));
            var logits = vae.Decoder.Logits(z);
            using var loss = VaeLoss.Compute(logits, xs, mu, logVar, vae.Config.Likelihood, vae.Config.Beta);
            loss.Loss.backward();
            var result = logits.detach().clone().MoveToOuterDisposeScope();
            var gradients = vae.named_parameters().ToDictionary(
                p => p.name,
                p => p.parameter.grad!.clone().MoveToOuterDisposeScope());
            return (result, gradients);
        }

        public void Dispose()
        {
            foreach (var (logits, gradients) in expected.Values)
            {
                logits.Dispose();
                foreach (var g in gradients.Values)
                {
                    g.Dispose();
                }
            }

            x.Dispose();
            eps.Dispose();
            model.Dispose();
            reference.Dispose();
        }
    }
}
