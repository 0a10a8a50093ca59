using VaeWeb.Vae.Data;

namespace VaeWeb.Tests.Infrastructure;

/// <summary>The embedded MNIST digits, as copied next to the test assembly by the build.</summary>
public static class TestData
{
    public static string MnistDirectory => Path.Combine(AppContext.BaseDirectory, "data", "mnist");

    private static readonly Lazy<DigitDataset> Mnist = new(() => DigitDataset.Load("mnist", MnistDirectory));

    /// <summary>Shared, read-only: do not dispose.</summary>
    public static DigitDataset Full => Mnist.Value;

    /// <summary>A fresh small slice the caller owns.</summary>
    public static DigitDataset Slice(int train, int test) => new("mnist-slice", Full.Train.Take(train), Full.Test.Take(test));
}
