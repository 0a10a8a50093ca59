using System.Net;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Api;

public class SamplesRestartTests
{
    [Theory]
    [InlineData("")]
    [InlineData("&sampler=aggregate&temperature=0.8")]
    [InlineData("&sampler=aggregate&digit=7")]
    public async Task A_seeded_png_is_the_same_bytes_after_a_restart_on_the_same_model_version(string sampler)
    {
        using var state = new TempDirectory();
        byte[] before;
        string version;
        using (var first = new VaeWebFactory(state.Path))
        using (var client = first.CreateClient())
        {
            var run = await first.TrainAsync(client, new { epochs = 1, seed = 3 });
            version = run.ModelVersion!;
            before = await client.GetByteArrayAsync($"/samples?n=16&seed=42{sampler}");
        }

        using var second = new VaeWebFactory(state.Path);
        using var restarted = second.CreateClient();
        // The aggregate posterior is fitted again after the restart: the same weights give the same fit.
        using var response = await restarted.GetAsync($"/samples?n=16&seed=42{sampler}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(version, response.Headers.GetValues("X-Model-Version").Single());
        Assert.Equal(before, await response.Content.ReadAsByteArrayAsync());
    }
}
