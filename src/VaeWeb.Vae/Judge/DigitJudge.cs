using TorchSharp;
using TorchSharp.Modules;
using VaeWeb.Vae.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace VaeWeb.Vae.Judge;

/// <summary>How a set of images reads to the judge.</summary>
/// <param name="InceptionScore">exp E[KL(p(y|x) ‖ p(y))]: 10 for confident, evenly spread classes, 1 for unreadable or all-alike images.</param>
/// <param name="FrechetDistance">Fréchet distance between Gaussians fitted to the judge's 128 features of these images and of the test set (FID's formula on this judge's features: comparable only between figures of the same judge).</param>
/// <param name="ConfidentShare">Share of images whose most likely class has p ≥ 0.9.</param>
/// <param name="ClassHistogram">Images per most likely class, 0–9.</param>
public sealed record JudgeScores(int Images, double InceptionScore, double FrechetDistance, double ConfidentShare, int[] ClassHistogram);

/// <summary>
/// A small CNN classifier of digits, trained once per data set on its train split, that judges any
/// model's samples: an IS-like score, a Fréchet distance to the test set on its features, the share of
/// confident reads and the class histogram. It is independent of every VAE it judges.
/// </summary>
public sealed class DigitJudge : Module<Tensor, Tensor>
{
    public const double ConfidentProbability = 0.9;

    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Linear fc;
    private readonly Linear classes;

    public DigitJudge() : base(nameof(DigitJudge))
    {
        conv1 = Conv2d(1, 32, kernel_size: 3, padding: 1);
        conv2 = Conv2d(32, 64, kernel_size: 3, padding: 1);
        fc = Linear(64 * 7 * 7, 128);
        classes = Linear(128, 10);
        RegisterComponents();
    }

    /// <summary>Test accuracy measured when the judge was trained.</summary>
    public double TestAccuracy { get; private set; }

    /// <summary>The 128 penultimate features of each image [N, 1, 28, 28].</summary>
    public Tensor Features(Tensor x)
    {
        using var h1 = functional.max_pool2d(functional.relu(conv1.forward(x)), 2);
        using var h2 = functional.max_pool2d(functional.relu(conv2.forward(h1)), 2);
        return functional.relu(fc.forward(h2.flatten(1)));
    }

    public override Tensor forward(Tensor x)
    {
        using var features = Features(x);
        return classes.forward(features);
    }

    /// <summary>
    /// Trains on <paramref name="data"/>'s train split (Adam, a few epochs; the first <paramref name="trainImages"/>
    /// only when given) and measures its test accuracy. <paramref name="cancellationToken"/> is checked every batch.
    /// </summary>
    public static DigitJudge Train(DigitDataset data, int epochs = 4, long seed = 0, int threads = 2, int? trainImages = null, CancellationToken cancellationToken = default)
    {
        TorchThreads.ForThisThread(threads);
        DigitJudge judge;
        lock (VaeWeb.Vae.Model.ConvVae.InitLock)
        {
            manual_seed(seed);
            judge = new DigitJudge();
        }

        using var optimizer = optim.Adam(judge.parameters(), lr: 1e-3);
        using var generator = new Generator((ulong)seed);
        using var slice = trainImages is { } limit && limit < data.Train.Count ? data.Train.Take(limit) : null;
        var train = slice ?? data.Train;
        using var labels = tensor(train.Labels.Select(b => (long)b).ToArray());
        judge.train();
        try
        {
            TrainEpochs(judge, optimizer, generator, train, labels, epochs, cancellationToken);
        }
        catch
        {
            judge.Dispose();
            throw;
        }

        judge.eval();
        judge.TestAccuracy = judge.Accuracy(data.Test);
        return judge;
    }

    private static void TrainEpochs(DigitJudge judge, optim.Optimizer optimizer, Generator generator, DigitSplit train, Tensor labels, int epochs, CancellationToken cancellationToken)
    {
        const int batch = 128;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            using var order = randperm(train.Count, generator: generator);
            for (var start = 0; start < train.Count; start += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var index = order.narrow(0, start, Math.Min(batch, train.Count - start));
                // A little noise and contrast jitter: samples are blurrier than real digits, and a judge
                // that has only seen crisp strokes calls every blurry image the same class.
                var x = train.Images.index_select(0, index);
                x = (x * rand([x.shape[0], 1, 1, 1], generator: generator).Times(0.4).Plus(0.6)).ClampTo(0, 1);
                optimizer.zero_grad();
                var loss = functional.cross_entropy(judge.forward(x), labels.index_select(0, index));
                loss.backward();
                optimizer.step();
            }
        }
    }

    public double Accuracy(DigitSplit split)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var predicted = forward(split.Images).argmax(1);
        var expected = tensor(split.Labels.Select(b => (long)b).ToArray());
        return predicted.eq(expected).to_type(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>Mean and covariance of the judge's features of a reference set (the test split), for <see cref="Score"/>.</summary>
    public FeatureStatistics Statistics(Tensor images)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        return FeatureStatistics.Of(Features(images).to_type(ScalarType.Float64));
    }

    /// <summary>Scores images [N, 784] or [N, 1, 28, 28] against the reference statistics.</summary>
    public JudgeScores Score(Tensor images, FeatureStatistics reference)
    {
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        var x = images.reshape(-1, 1, 28, 28);
        var features = Features(x);
        var p = functional.softmax(classes.forward(features).to_type(ScalarType.Float64), 1);
        var marginal = p.mean([0L], keepdim: true);
        var kl = (p * (p.Plus(1e-12).log() - marginal.Plus(1e-12).log())).sum(1);
        var inception = Math.Exp(kl.mean().item<double>());
        var (top, cls) = p.max(1);
        using var confidentProbability = ConfidentProbability.ToScalar();
        var confident = top.ge(confidentProbability).to_type(ScalarType.Float64).mean().item<double>();
        var histogram = new int[10];
        foreach (var c in cls.data<long>())
        {
            histogram[c]++;
        }

        var frechet = FeatureStatistics.Of(features.to_type(ScalarType.Float64)).FrechetDistance(reference);
        return new JudgeScores((int)x.shape[0], inception, frechet, confident, histogram);
    }

    /// <summary>Weights with the test accuracy beside them.</summary>
    public void SaveTo(string path)
    {
        save(path);
        File.WriteAllText(path + ".accuracy", TestAccuracy.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
    }

    public static DigitJudge? TryLoad(string path)
    {
        if (!File.Exists(path) || !File.Exists(path + ".accuracy"))
        {
            return null;
        }

        var judge = new DigitJudge();
        judge.load(path);
        judge.eval();
        judge.TestAccuracy = double.Parse(File.ReadAllText(path + ".accuracy"), System.Globalization.CultureInfo.InvariantCulture);
        return judge;
    }
}

/// <summary>A Gaussian fitted to feature vectors, and the Fréchet distance between two such.</summary>
public sealed class FeatureStatistics : IDisposable
{
    private FeatureStatistics(Tensor mean, Tensor covariance)
    {
        Mean = mean;
        Covariance = covariance;
    }

    public Tensor Mean { get; }

    public Tensor Covariance { get; }

    public static FeatureStatistics Of(Tensor features)
    {
        var mean = features.mean([0L]);
        var centred = features - mean;
        var covariance = centred.t().matmul(centred).Over(Math.Max(1, features.shape[0] - 1));
        return new FeatureStatistics(mean.detach().clone().MoveToOuterDisposeScope(), covariance.detach().clone().MoveToOuterDisposeScope());
    }

    /// <summary>
    /// ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2(Σ₁Σ₂)^½). tr((Σ₁Σ₂)^½) is computed as the sum of the square
    /// roots of the eigenvalues of Σ₁^½ Σ₂ Σ₁^½, which is symmetric, so no non-symmetric matrix
    /// square root (scipy's sqrtm) is needed.
    /// </summary>
    public double FrechetDistance(FeatureStatistics other)
    {
        using var scope = NewDisposeScope();
        var diff = (Mean - other.Mean).square().sum().item<double>();
        var (values, vectors) = linalg.eigh(Covariance);
        var root = vectors.matmul(diag(values.AtLeast(0).sqrt())).matmul(vectors.t());
        var product = root.matmul(other.Covariance).matmul(root);
        var traceRoot = linalg.eigvalsh(product.Plus(product.t()).Over(2)).AtLeast(0).sqrt().sum().item<double>();
        return diff + Covariance.trace().item<double>() + other.Covariance.trace().item<double>() - (2 * traceRoot);
    }

    public void Dispose()
    {
        Mean.Dispose();
        Covariance.Dispose();
    }
}
