using VaeWeb.Tests.Infrastructure;
using VaeWeb.Training;
using static VaeWeb.Tests.Api.LatentHttp;

namespace VaeWeb.Tests.Api;

/// <summary>
/// A service whose model has learned something. The shared tiny run (16 steps) is still in the
/// posterior-collapse phase (KL ≈ 0.5 nats: every z decodes to about the mean digit), where decoding μ
/// is no better than decoding a sample. A narrower model with a higher learning rate gets past that in
/// 320 steps on the same 512 digits (a few seconds on an idle machine).
/// </summary>
public sealed class LearnedServiceFixture : IAsyncLifetime
{
    public VaeWebFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public RunStatus Run { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Client = Factory.CreateClient();
        Run = await Factory.TrainAsync(Client, new
        {
            epochs = 10,
            batchSize = 16,
            learningRate = 0.004,
            conv1Channels = 8,
            conv2Channels = 16,
            hiddenUnits = 64,
            seed = 7,
        });
        if (Run.State != RunState.Completed)
        {
            throw new InvalidOperationException($"The fixture's run ended {Run.State}: {Run.Error}");
        }
    }

    public Task DisposeAsync()
    {
        Client.Dispose();
        Factory.Dispose();
        return Task.CompletedTask;
    }
}

public class LatentRoundTripTests(LearnedServiceFixture learned) : IClassFixture<LearnedServiceFixture>
{
    private async Task<float[]> DatasetPixelsAsync(string split, int index)
    {
        var json = await ReadJsonAsync(await learned.Client.GetAsync($"/dataset/{split}/{index}?format=json"));
        return Floats(json.GetProperty("pixels"));
    }

    [Fact]
    public async Task Encoding_then_decoding_training_digits_reconstructs_them_better_than_the_mean_test_reconstruction()
    {
        // Checked on the average of the first 32 training digits, each through the HTTP round trip encode → μ → decode.
        var images = new List<float[]>();
        for (var i = 0; i < 32; i++)
        {
            images.Add(await DatasetPixelsAsync("train", i));
        }

        using var encoded = await learned.Client.PostAsync("/encode", Json(new { pixels = images[0] }));
        var single = await ReadJsonAsync(encoded);
        Assert.Equal(learned.Run.ModelVersion, encoded.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal(8, single.GetProperty("mu").GetArrayLength());
        Assert.Equal(8, single.GetProperty("logVar").GetArrayLength());

        var batch = await ReadJsonAsync(await learned.Client.PostAsync("/encode", Json(new { images })));
        var mus = batch.GetProperty("mus").EnumerateArray().Select(Floats).ToArray();
        Assert.All(Floats(single.GetProperty("mu")).Zip(mus[0]), pair => Assert.Equal(pair.First, pair.Second, 1e-4f));
        var decoded = await ReadJsonAsync(await learned.Client.PostAsync("/decode?format=json", Json(new { zs = mus })));
        var reconstructions = decoded.GetProperty("images").EnumerateArray().Select(Floats).ToArray();
        var meanError = images.Zip(reconstructions, SquaredError).Average();
        Assert.True(meanError < learned.Run.TestReconstruction, $"mean squared error {meanError:F1} vs mean test reconstruction {learned.Run.TestReconstruction:F1}");
    }
}
