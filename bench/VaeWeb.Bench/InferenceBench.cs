using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using VaeWeb.Imaging;
using VaeWeb.Vae.Data;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Bench;

/// <summary>
/// Server-side inference: what one request costs inside the service (InferenceModel calls, which
/// include the copies to and from managed arrays), each against the bare LibTorch forward pass of
/// the same batch in the same run, so the ratio is the service's overhead.
/// </summary>
public static class InferenceBench
{
    public static void Run(Report report, InferenceModel model, DigitSplit test, int runs, int threads)
    {
        set_num_threads(threads);
        model.ThreadsPerCall = threads;
        var latent = model.LatentDim;
        var t = $"{threads} thr";
        using var gen = new Generator(42);
        var z1 = randn([1, latent], generator: gen);
        var z16 = randn([16, latent], generator: gen);
        var z256 = randn([256, latent], generator: gen);
        var zs1 = Rows.FromTensor(z1);
        var zs16 = Rows.FromTensor(z16);
        var zs256 = Rows.FromTensor(z256);
        var one = test.Images.narrow(0, 0, 1);
        var pixelsOne = new[] { test.Pixels(0) };
        var pixelsAll = Rows.FromTensor(test.Images);

        var decoderFlop = Flops.DecoderPerImage(model.Config);
        DecodeRow(report, $"decode 1 z → JSON floats ({t})", () => model.Decode(zs1), z1, model, runs, decoderFlop, "target p50 ≤ 2 ms");
        DecodeRow(report, $"decode 16 z ({t})", () => model.Decode(zs16), z16, model, runs, decoderFlop * 16, null);
        DecodeRow(report, $"decode 256 z ({t})", () => model.Decode(zs256), z256, model, runs, decoderFlop * 256, null);

        var bareEncode1 = Measure.Latency(runs, () => Bare(() => model.Module.Encoder.forward(one)));
        report.Add("inference", $"encode 1 image ({t})", Measure.Latency(runs, () => model.Encode(pixelsOne)), "ms", "bare encoder forward", bareEncode1);
        var bareEncodeAll = Measure.Latency(runs, () => Bare(() => model.Module.Encoder.forward(test.Images)));
        report.Add("inference", $"encode test set, {test.Count:N0} images ({t})", Measure.Latency(runs, () => model.Encode(pixelsAll)), "ms", "bare encoder forward", bareEncodeAll);

        var grid = model.Sample(16, seed: 1);
        var encoderDefault = Measure.Latency(runs, () => DefaultPng(grid));
        report.Add("inference", "PNG 4×4 grid, ImageSharp defaults (zlib 6, adaptive filters)", encoderDefault, "ms", note: $"{DefaultPng(grid).Length:N0} bytes");
        report.Add("inference", "PNG 4×4 grid, service's PngRenderer (zlib 1, Paeth)", Measure.Latency(runs, () => PngRenderer.Grid(grid)), "ms", "ImageSharp defaults", encoderDefault, $"{PngRenderer.Grid(grid).Length:N0} bytes");
    }

    /// <summary>Sample latency against n: how the cost of GET /samples grows with work (before PNG).</summary>
    public static void SampleScaling(Report report, InferenceModel model, int runs, int threads)
    {
        set_num_threads(threads);
        model.ThreadsPerCall = threads;
        Stat? first = null;
        foreach (var n in new[] { 1, 16, 64, 256 })
        {
            var stat = Measure.Latency(runs, () => model.Sample(n, seed: 7));
            first ??= stat;
            report.Add("samples", $"Sample(n = {n}) ({threads} thr)", stat, "ms", n == 1 ? null : "n = 1", n == 1 ? null : first, $"{stat.Median * 1000 / n:0} µs/image");
        }

        var withPng = Measure.Latency(runs, () => PngRenderer.Grid(model.Sample(16, seed: 7)));
        report.Add("samples", $"Sample(16) + PNG, one /samples request's work ({threads} thr)", withPng, "ms");
    }

    private static void DecodeRow(Report report, string name, Action service, Tensor z, InferenceModel model, int runs, double flop, string? note)
    {
        var bare = Measure.Latency(runs, () => Bare(() => model.Module.Decoder.forward(z)));
        report.Add("inference", name, Measure.Latency(runs, service), "ms", "bare decoder forward", bare, note ?? $"bare: {flop / (bare.Median / 1e3) / 1e9:0.0} GFLOP/s");
    }

    private static void Bare(Func<object> forward)
    {
        using var scope = NewDisposeScope();
        using var mode = inference_mode();
        forward();
    }

    /// <summary>The same pixels as the service's grid, encoded with ImageSharp's default PNG options (8-bit grey kept).</summary>
    private static byte[] DefaultPng(float[][] images)
    {
        const int tile = PngRenderer.Tile;
        var columns = PngRenderer.GridColumns(images.Length);
        var rows = (images.Length + columns - 1) / columns;
        var width = columns * tile;
        var pixels = new byte[width * rows * tile];
        for (var i = 0; i < images.Length; i++)
        {
            for (var y = 0; y < tile; y++)
            {
                for (var x = 0; x < tile; x++)
                {
                    pixels[((i / columns * tile) + y) * width + (i % columns * tile) + x] = (byte)Math.Clamp(MathF.Round(images[i][y * tile + x] * 255f), 0f, 255f);
                }
            }
        }

        using var image = Image.LoadPixelData<L8>(pixels, width, rows * tile);
        using var png = new MemoryStream();
        image.SaveAsPng(png, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        return png.ToArray();
    }
}
