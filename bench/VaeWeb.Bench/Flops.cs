using VaeWeb.Vae.Model;

namespace VaeWeb.Bench;

/// <summary>
/// Multiply-adds of the conv VAE counted by hand (2 FLOP each), per image. A convolution costs
/// 2·k²·Cin·Cout per output position; a transposed convolution 2·k²·Cin·Cout per input position
/// (each input pixel scatters a k×k×Cout patch). Element-wise work (ReLU, sigmoid, the
/// reparameterisation, the loss) is under 1% and left out, as is customary.
/// </summary>
public static class Flops
{
    private const int K2 = 9;

    public static double EncoderPerImage(ModelConfig c) =>
        Conv1(c)
        + 2.0 * K2 * c.Conv1Channels * c.Conv2Channels * 7 * 7
        + 2.0 * c.FlatFeatures * c.HiddenUnits
        + 2 * (2.0 * c.HiddenUnits * c.LatentDim);

    public static double DecoderPerImage(ModelConfig c) =>
        2.0 * c.LatentDim * c.FlatFeatures
        + 2.0 * K2 * c.Conv2Channels * c.Conv2Channels * 7 * 7
        + 2.0 * K2 * c.Conv2Channels * c.Conv1Channels * 14 * 14
        + 2.0 * K2 * c.Conv1Channels * 1 * 28 * 28;

    public static double ForwardPerImage(ModelConfig c) => EncoderPerImage(c) + DecoderPerImage(c);

    /// <summary>
    /// Forward, plus a backward pass that costs two forwards (gradient of the input and of the
    /// weights) except for the first convolution, whose input needs no gradient.
    /// </summary>
    public static double TrainingStepPerImage(ModelConfig c) => 3 * ForwardPerImage(c) - Conv1(c);

    private static double Conv1(ModelConfig c) => 2.0 * K2 * 1 * c.Conv1Channels * 14 * 14;
}
