using VaeWeb.Tests.Infrastructure;
using VaeWeb.Vae.Judge;
using static TorchSharp.torch;

namespace VaeWeb.Tests.Latent;

public sealed class DigitJudgeTests : IClassFixture<DigitJudgeTests.TrainedJudge>
{
    private readonly TrainedJudge trained;

    public DigitJudgeTests(TrainedJudge trained) => this.trained = trained;

    [Fact]
    public void A_judge_trained_on_a_slice_reads_most_held_out_digits()
    {
        Assert.True(trained.Judge.TestAccuracy > 0.85, $"test accuracy {trained.Judge.TestAccuracy:P1}");
    }

    [Fact]
    public void Real_digits_score_high_and_close_to_the_test_set_and_noise_scores_low_and_far()
    {
        using var reference = trained.Judge.Statistics(trained.Data.Test.Images);
        using var noise = rand(256, 784, generator: new Generator(1));

        var real = trained.Judge.Score(trained.Data.Test.Images, reference);
        var random = trained.Judge.Score(noise, reference);

        Assert.Equal(trained.Data.Test.Count, real.Images);
        Assert.Equal(trained.Data.Test.Count, real.ClassHistogram.Sum());
        Assert.True(real.InceptionScore > 5, $"IS of real digits {real.InceptionScore:F2}");
        Assert.True(real.InceptionScore > 2 * random.InceptionScore, $"real {real.InceptionScore:F2}, noise {random.InceptionScore:F2}");
        Assert.True(real.FrechetDistance < 1e-6 * (1 + random.FrechetDistance), $"a set against itself: {real.FrechetDistance}");
        Assert.True(random.FrechetDistance > 1, $"noise: {random.FrechetDistance}");
        Assert.True(real.ConfidentShare > 0.7, $"confident share of real digits {real.ConfidentShare:P0}");
    }

    [Fact]
    public void Images_of_one_class_fill_one_bar_of_the_histogram_and_score_near_one()
    {
        var sevens = Enumerable.Range(0, trained.Data.Test.Count).Where(i => trained.Data.Test.Labels[i] == 7).ToArray();
        using var reference = trained.Judge.Statistics(trained.Data.Test.Images);
        using var images = tensor(sevens.SelectMany(i => trained.Data.Test.Pixels(i)).ToArray(), [sevens.Length, 784]);

        var scores = trained.Judge.Score(images, reference);

        Assert.True(scores.ClassHistogram[7] > 0.8 * sevens.Length, $"histogram {string.Join(",", scores.ClassHistogram)}");
        Assert.True(scores.InceptionScore < 2, $"IS of sevens only {scores.InceptionScore:F2}");
    }

    [Fact]
    public void A_saved_judge_loads_with_the_same_answers_and_accuracy()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "judge.bin");
        trained.Judge.SaveTo(path);

        using var loaded = DigitJudge.TryLoad(path)!;

        Assert.Equal(trained.Judge.TestAccuracy, loaded.TestAccuracy);
        Assert.Equal(trained.Judge.Accuracy(trained.Data.Test), loaded.Accuracy(trained.Data.Test));
        Assert.Null(DigitJudge.TryLoad(Path.Combine(directory.Path, "missing.bin")));
    }

    [Fact]
    public void Training_stops_when_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => DigitJudge.Train(trained.Data, epochs: 1, trainImages: 256, cancellationToken: cancelled.Token));
    }

    [Fact]
    public void A_judge_of_a_few_hundred_images_still_reads_better_than_chance()
    {
        using var small = DigitJudge.Train(trained.Data, epochs: 2, trainImages: 512, threads: 1);

        Assert.True(small.TestAccuracy > 0.5, $"test accuracy {small.TestAccuracy:P1} after 2 epochs on 512 images");
    }

    public sealed class TrainedJudge : IDisposable
    {
        public TrainedJudge()
        {
            Data = TestData.Slice(train: 3000, test: 300);
            Judge = DigitJudge.Train(Data, epochs: 3);
        }

        public VaeWeb.Vae.Data.DigitDataset Data { get; }

        public DigitJudge Judge { get; }

        public void Dispose()
        {
            Judge.Dispose();
            Data.Dispose();
        }
    }
}
