using TorchSharp;
using static TorchSharp.torch;

namespace VaeWeb.Vae.Data;

/// <summary>One split of a data set held as a single float tensor [N, 1, 28, 28] in [0, 1].</summary>
public sealed class DigitSplit : IDisposable
{
    public DigitSplit(Tensor images, byte[] labels)
    {
        Images = images;
        Labels = labels;
    }

    /// <summary>All images of the split, [N, 1, 28, 28], float32 scaled to [0, 1].</summary>
    public Tensor Images { get; }

    public IReadOnlyList<byte> Labels { get; }

    public int Count => Labels.Count;

    /// <summary>Keeps the first <paramref name="count"/> images (for tests and quick runs).</summary>
    public DigitSplit Take(int count)
    {
        count = Math.Min(count, Count);
        return new DigitSplit(Images.narrow(0, 0, count).clone(), Labels.Take(count).ToArray());
    }

    /// <summary>Copies one image out as 784 floats, row-major.</summary>
    public float[] Pixels(int index)
    {
        using var image = Images[index];
        return image.data<float>().ToArray();
    }

    public void Dispose() => Images.Dispose();
}

/// <summary>A named data set of 28×28 grayscale images with a train and a test split.</summary>
public sealed class DigitDataset : IDisposable
{
    public const string TrainImages = "train-images-idx3-ubyte";
    public const string TrainLabels = "train-labels-idx1-ubyte";
    public const string TestImages = "t10k-images-idx3-ubyte";
    public const string TestLabels = "t10k-labels-idx1-ubyte";

    public DigitDataset(string name, DigitSplit train, DigitSplit test)
    {
        Name = name;
        Train = train;
        Test = test;
    }

    public string Name { get; }

    public DigitSplit Train { get; }

    public DigitSplit Test { get; }

    /// <summary>
    /// Loads the four canonical IDX files from <paramref name="directory"/>, each either raw or
    /// with a <c>.gz</c> suffix.
    /// </summary>
    public static DigitDataset Load(string name, string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Data set '{name}': folder '{directory}' does not exist.");
        }

        var train = LoadSplit(directory, TrainImages, TrainLabels);
        var test = LoadSplit(directory, TestImages, TestLabels);
        return new DigitDataset(name, train, test);
    }

    public static DigitSplit LoadSplit(string directory, string imagesName, string labelsName)
    {
        var imagesPath = Find(directory, imagesName);
        var labelsPath = Find(directory, labelsName);
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        if (images.Count != labels.Length)
        {
            throw new IdxFormatException(labelsPath, $"{labels.Length:N0} labels for {images.Count:N0} images in {Path.GetFileName(imagesPath)}; the counts must agree");
        }

        if (images.Rows != 28 || images.Columns != 28)
        {
            throw new IdxFormatException(imagesPath, $"images are {images.Rows}×{images.Columns}; the model takes 28×28");
        }

        var raw = tensor(images.Pixels, [images.Count, 1, images.Rows, images.Columns], dtype: ScalarType.Byte);
        using (raw)
        {
            // Scaled in place: no unowned temporary outside a dispose scope (docs/torchsharp-lifetimes.md).
            using var maxPixel = 255f.ToScalar();
            var scaled = raw.to_type(ScalarType.Float32);
            scaled.div_(maxPixel);
            return new DigitSplit(scaled, labels);
        }
    }

    private static string Find(string directory, string name)
    {
        var raw = Path.Combine(directory, name);
        if (File.Exists(raw))
        {
            return raw;
        }

        var gz = raw + ".gz";
        if (File.Exists(gz))
        {
            return gz;
        }

        throw new FileNotFoundException($"Neither {name} nor {name}.gz is in '{directory}'.", raw);
    }

    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
