namespace VaeWeb.Vae.Model;

/// <summary>The number format training computes its layers in.</summary>
public enum Precision
{
    /// <summary>32-bit floats throughout (the reference).</summary>
    Fp32,

    /// <summary>
    /// Mixed precision: convolutions, linear layers and ReLUs in bfloat16, while the weights, their
    /// gradients, Adam's state, μ, log σ², the reparameterisation and the loss stay in fp32 (what
    /// PyTorch's CPU autocast does; TorchSharp has no autocast, so the model casts at layer edges).
    /// Offered only where the CPU computes bfloat16 natively (see <see cref="CpuFeatures"/>).
    /// </summary>
    Bf16,
}
