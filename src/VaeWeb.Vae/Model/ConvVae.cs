using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Vae.Model;

/// <summary>The output of one forward pass through the VAE.</summary>
public readonly record struct VaeOutput(Tensor Logits, Tensor Mu, Tensor LogVar) : IDisposable
{
    public void Dispose()
    {
        Logits.Dispose();
        Mu.Dispose();
        LogVar.Dispose();
    }
}

/// <summary>
/// The convolutional VAE of the design: encoder, reparameterisation z = μ + σ·ε, decoder.
/// </summary>
public sealed class ConvVae : Module<Tensor, VaeOutput>
{
    /// <summary>
    /// Layer construction draws its initial weights from LibTorch's one global generator. Every
    /// construction takes this lock, so a model built only to load weights into (serving, a replica, the
    /// CPU self-check) can never take draws from between a seeded trainer's <c>manual_seed</c> and its
    /// own construction; seeded builders (the trainer, the judge) hold it around both.
    /// </summary>
    internal static readonly Lock InitLock = new();

    private readonly Encoder encoder;
    private readonly Decoder decoder;

    public ConvVae(ModelConfig config, LayerForms? forms = null) : base(nameof(ConvVae))
    {
        Config = config;
        lock (InitLock)
        {
            encoder = new Encoder(config, forms);
            decoder = new Decoder(config, forms);
        }

        RegisterComponents();
    }

    public ModelConfig Config { get; }

    public Encoder Encoder => encoder;

    public Decoder Decoder => decoder;

    /// <summary>The number type the layers compute in: fp32, or bfloat16 for mixed-precision training.</summary>
    public ScalarType ComputeType
    {
        get => decoder.ComputeType;
        set
        {
            encoder.ComputeType = value;
            decoder.ComputeType = value;
        }
    }

    /// <summary>How the layers are computed; set once, before the first forward pass.</summary>
    public LayerForms Forms
    {
        get => decoder.Forms;
        set
        {
            encoder.Forms = value;
            decoder.Forms = value;
        }
    }

    /// <summary>Encodes, draws one z per image with <paramref name="generator"/>, and decodes to logits.</summary>
    public VaeOutput ForwardSampled(Tensor x, Generator? generator)
    {
        var (mu, logVar) = encoder.forward(x);
        using var eps = randn(mu.shape, dtype: mu.dtype, device: mu.device, generator: generator);
        using var std = logVar.Times(0.5).exp_();
        using var noise = std * eps;
        using var z = mu.Plus(noise);
        return new VaeOutput(decoder.Logits(z), mu, logVar);
    }

    public override VaeOutput forward(Tensor x) => ForwardSampled(x, generator: null);

    public static long CountParameters(Module module) => module.parameters().Sum(p => p.numel());
}
