using VaeWeb.Configuration;

namespace VaeWeb.Training;

/// <summary>How large a run export <c>POST /runs/import</c> accepts (<c>Vae:Lab:MaxImportBytes</c>).</summary>
public static class ImportLimit
{
    /// <summary>The limit in force: the configured one, else the default for the configured model.</summary>
    public static long MaxBytes(VaeOptions options) => options.Lab.MaxImportBytes ?? DefaultMaxBytes(options.Training);

    /// <summary>
    /// An export holds up to KeepLastCheckpoints + 1 checkpoints (retention keeps the best one too), each
    /// the weights and Adam's two moments (3 × 4 bytes per parameter), plus a little JSON. Four times that
    /// for the default model leaves room for runs with wider layers or a larger latent space.
    /// </summary>
    public static long DefaultMaxBytes(TrainingOptions training)
    {
        const long Headroom = 4;
        const long BytesPerParameter = 3 * sizeof(float);
        var checkpoints = training.KeepLastCheckpoints + 1L;
        return (Headroom * checkpoints * BytesPerParameter * ParameterCount(32, 64, 128, training.LatentDim)) + (1024 * 1024);
    }

    /// <summary>The conv VAE's parameter count: weights and biases of every layer of DESIGN.md §1.</summary>
    public static long ParameterCount(long conv1, long conv2, long hidden, long latent)
    {
        var flat = conv2 * 7 * 7;
        var encoder = ((9 * conv1) + conv1) + ((9 * conv1 * conv2) + conv2) + ((flat * hidden) + hidden) + (2 * ((hidden * latent) + latent));
        var decoder = ((latent * flat) + flat) + ((9 * conv2 * conv2) + conv2) + ((9 * conv2 * conv1) + conv1) + ((9 * conv1) + 1);
        return encoder + decoder;
    }
}
