using VaeWeb.Vae;
using VaeWeb.Vae.Inference;
using VaeWeb.Vae.Model;
using static TorchSharp.torch;

namespace VaeWeb.Tests.Serving;

/// <summary>
/// Inference calls run at the serving width on their own thread and leave the width another
/// thread (the trainer's) chose alone: LibTorch's OpenMP thread count is per thread.
/// </summary>
public class ServingThreadsTests
{
    [Fact]
    public async Task An_inference_call_uses_the_serving_width_without_changing_the_training_threads_width()
    {
        using var model = InferenceModel.CopyOf(new ConvVae(new ModelConfig { LatentDim = 4 }), "t");
        using var trainingSet = new ManualResetEventSlim();
        using var inferenceDone = new ManualResetEventSlim();
        var trainingWidthAfter = 0;
        var training = new Thread(() =>
        {
            TorchThreads.ForThisThread(2);
            trainingSet.Set();
            inferenceDone.Wait();
            trainingWidthAfter = TorchThreads.OfThisThread();
        });
        training.Start();
        trainingSet.Wait();

        var servingWidth = await Task.Run(() =>
        {
            var images = model.Sample(2, seed: 1);
            Assert.Equal(2, images.Length);
            return TorchThreads.OfThisThread();
        });
        inferenceDone.Set();
        training.Join();

        Assert.Equal(model.ThreadsPerCall, servingWidth);
        Assert.Equal(1, servingWidth);
        Assert.Equal(2, trainingWidthAfter);
    }
}
