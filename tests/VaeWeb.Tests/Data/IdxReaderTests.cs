using System.Buffers.Binary;
using System.IO.Compression;
using VaeWeb.Tests.Infrastructure;
using VaeWeb.Vae.Data;

namespace VaeWeb.Tests.Data;

public class IdxReaderTests
{
    private static byte[] Idx(byte type, int[] dims, int dataBytes)
    {
        var bytes = new byte[4 + 4 * dims.Length + dataBytes];
        bytes[2] = type;
        bytes[3] = (byte)dims.Length;
        for (var i = 0; i < dims.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * i), dims[i]);
        }

        for (var i = 0; i < dataBytes; i++)
        {
            bytes[4 + 4 * dims.Length + i] = (byte)(i % 251);
        }

        return bytes;
    }

    private static void WriteGzip(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(bytes);
    }

    [Fact]
    public void Embedded_mnist_has_8995_train_and_1005_test_digits_scaled_to_unit_range()
    {
        using var data = DigitDataset.Load("mnist", TestData.MnistDirectory);
        Assert.Equal(8995, data.Train.Count);
        Assert.Equal(1005, data.Test.Count);
        Assert.Equal(new long[] { 8995, 1, 28, 28 }, data.Train.Images.shape);
        Assert.Equal(0f, data.Train.Images.min().item<float>());
        Assert.Equal(1f, data.Train.Images.max().item<float>());
        Assert.All(data.Test.Labels, label => Assert.InRange(label, (byte)0, (byte)9));
    }

    [Fact]
    public void Raw_and_gzip_files_read_the_same_images()
    {
        using var dir = new TempDirectory();
        var bytes = Idx(0x08, [3, 28, 28], 3 * 784);
        File.WriteAllBytes(dir.File("raw"), bytes);
        WriteGzip(dir.File("packed.gz"), bytes);

        var raw = IdxReader.ReadImages(dir.File("raw"));
        var packed = IdxReader.ReadImages(dir.File("packed.gz"));

        Assert.Equal((3, 28, 28), (raw.Count, raw.Rows, raw.Columns));
        Assert.Equal(raw.Pixels, packed.Pixels);
    }

    [Fact]
    public void Wrong_magic_number_is_refused_naming_the_file_and_the_magic()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("images.idx"), Idx(0x0D, [1, 28, 28], 784));

        var error = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(dir.File("images.idx")));

        Assert.Contains("images.idx", error.Message, StringComparison.Ordinal);
        Assert.Contains("magic", error.Message, StringComparison.Ordinal);
        Assert.Contains("0x00000803", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_labels_file_given_as_images_is_refused_for_its_dimensions()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("labels"), Idx(0x08, [10], 10));

        var error = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(dir.File("labels")));

        Assert.Contains("3 dimensions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_data_is_refused_with_promised_and_actual_lengths()
    {
        using var dir = new TempDirectory();
        var bytes = Idx(0x08, [2, 28, 28], 2 * 784);
        File.WriteAllBytes(dir.File("short"), bytes[..^100]);

        var error = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(dir.File("short")));

        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
        Assert.Contains("1,568", error.Message, StringComparison.Ordinal);
        Assert.Contains("1,468", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_gzip_stream_is_refused()
    {
        using var dir = new TempDirectory();
        WriteGzip(dir.File("full.gz"), Idx(0x08, [50, 28, 28], 50 * 784));
        var packed = File.ReadAllBytes(dir.File("full.gz"));
        File.WriteAllBytes(dir.File("cut.gz"), packed[..(packed.Length / 2)]);

        var error = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(dir.File("cut.gz")));

        Assert.Contains("cut.gz", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_shorter_than_its_dimensions_is_refused()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File("stub"), Idx(0x08, [1, 28, 28], 0)[..8]);

        var error = Assert.Throws<IdxFormatException>(() => IdxReader.ReadImages(dir.File("stub")));

        Assert.Contains("header is truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_and_label_counts_that_disagree_are_refused()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File(DigitDataset.TrainImages), Idx(0x08, [4, 28, 28], 4 * 784));
        File.WriteAllBytes(dir.File(DigitDataset.TrainLabels), Idx(0x08, [3], 3));

        var error = Assert.Throws<IdxFormatException>(() => DigitDataset.LoadSplit(dir.Path, DigitDataset.TrainImages, DigitDataset.TrainLabels));

        Assert.Contains("3 labels for 4 images", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Images_that_are_not_28_by_28_are_refused()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.File(DigitDataset.TestImages), Idx(0x08, [2, 32, 32], 2 * 1024));
        File.WriteAllBytes(dir.File(DigitDataset.TestLabels), Idx(0x08, [2], 2));

        var error = Assert.Throws<IdxFormatException>(() => DigitDataset.LoadSplit(dir.Path, DigitDataset.TestImages, DigitDataset.TestLabels));

        Assert.Contains("32×32", error.Message, StringComparison.Ordinal);
    }
}
