using VaeWeb.Configuration;
using VaeWeb.Training;
using VaeWeb.Vae.Model;

namespace VaeWeb.Tests.Training;

public class ImportLimitTests
{
    [Theory]
    [InlineData(32, 64, 128, 64)]
    [InlineData(16, 48, 256, 8)]
    public void The_limit_counts_the_parameters_the_model_really_has(int conv1, int conv2, int hidden, int latent)
    {
        using var model = new ConvVae(new ModelConfig { Conv1Channels = conv1, Conv2Channels = conv2, HiddenUnits = hidden, LatentDim = latent });

        Assert.Equal(ConvVae.CountParameters(model), ImportLimit.ParameterCount(conv1, conv2, hidden, latent));
    }

    [Fact]
    public void Unset_the_limit_is_four_times_the_checkpoints_a_default_run_keeps_and_a_configured_one_wins()
    {
        var options = new VaeOptions();

        Assert.Equal((4L * 4 * 12 * 696_385) + (1024 * 1024), ImportLimit.MaxBytes(options));
        options.Lab.MaxImportBytes = 2_000_000;
        Assert.Equal(2_000_000, ImportLimit.MaxBytes(options));
    }
}
