using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Inference;

/// <summary>
/// An immutable copy of a trained VAE for serving: its own weights (never the training module's),
/// eval mode, no gradients. Safe to call from many request threads at once; every method does its
/// tensor work in one dispose scope and returns managed arrays.
/// </summary>
public sealed class InferenceModel : IDisposable
{
    private readonly ConvVae model;

    private InferenceModel(ConvVae model, string version)
    {
        this.model = model;
        Version = version;
        model.eval();
        foreach (var parameter in model.parameters())
        {
            parameter.requires_grad = false;
        }
    }

    public string Version { get; }

    /// <summary>
    /// LibTorch threads each inference call uses on its own thread (the host gives Vae:Serving:Threads
    /// when it builds the model). One keeps requests off the training thread's cores and lets
    /// concurrent requests run side by side instead of queueing on one OpenMP team.
    /// </summary>
    public int ThreadsPerCall
    {
        get => threadsPerCall;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            threadsPerCall = value;
        }
    }

    private int threadsPerCall = 1;

    public ModelConfig Config => model.Config;

    public int LatentDim => model.Config.LatentDim;

    public ConvVae Module => model;

    /// <summary>Copies the weights of <paramref name="source"/> into a new, independent module (computed as <paramref name="forms"/>, else as the source is).</summary>
    public static InferenceModel CopyOf(ConvVae source, string version, LayerForms? forms = null, int threadsPerCall = 1)
    {
        var copy = new ConvVae(source.Config, forms ?? source.Forms);
        using (no_grad())
        {
            var sourceParameters = source.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (name, parameter) in copy.named_parameters())
            {
                parameter.copy_(sourceParameters[name]);
            }
        }

        return new InferenceModel(copy, version) { ThreadsPerCall = threadsPerCall };
    }

    /// <summary>Loads weights saved by <c>Module.save</c>.</summary>
    public static InferenceModel Load(ModelConfig config, string weightsPath, string version, LayerForms? forms = null, int threadsPerCall = 1)
    {
        var module = new ConvVae(config, forms);
        module.load(weightsPath);
        return new InferenceModel(module, version) { ThreadsPerCall = threadsPerCall };
    }

    /// <summary>
    /// Decodes n draws of z ~ N(0, T²·I) from a generator seeded with <paramref name="seed"/>: the
    /// prior, its spread scaled by <paramref name="temperature"/> (1, the reference, leaves z as drawn).
    /// </summary>
    public float[][] Sample(int n, long seed, double temperature = 1.0)
    {
        TorchThreads.ForThisThread(ThreadsPerCall);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        using var generator = new Generator((ulong)seed);
        var z = randn([n, LatentDim], generator: generator);
        if (temperature != 1.0)
        {
            z = z.Times(temperature);
        }

        return Rows.FromTensor(model.Decoder.forward(z));
    }

    /// <summary>Decodes latent vectors (each of length <see cref="LatentDim"/>).</summary>
    public float[][] Decode(IReadOnlyList<float[]> zs)
    {
        TorchThreads.ForThisThread(threadsPerCall);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var z = Rows.ToTensor(zs, LatentDim);
        return Rows.FromTensor(model.Decoder.forward(z));
    }

    /// <summary>The posterior mean and log-variance of each image (784 pixels in [0, 1]).</summary>
    public (float[][] Mu, float[][] LogVar) Encode(IReadOnlyList<float[]> images)
    {
        TorchThreads.ForThisThread(threadsPerCall);
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var x = Rows.ToTensor(images, ModelConfig.Pixels).view(-1, 1, ModelConfig.ImageSide, ModelConfig.ImageSide);
        var (mu, logVar) = model.Encoder.forward(x);
        return (Rows.FromTensor(mu), Rows.FromTensor(logVar));
    }

    public void Dispose() => model.Dispose();
}
