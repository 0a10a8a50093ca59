using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VaeWeb.Api;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Api;

/// <summary><c>/samples</c> with <c>sampler</c>, <c>temperature</c> and <c>digit</c>, and <c>/latent-map?mu=true</c>.</summary>
[Collection(TrainedServiceCollection.Name)]
public class SamplerApiTests(TrainedServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Fact]
    public async Task Naming_the_reference_sampler_gives_the_same_bytes_and_etag_as_naming_none()
    {
        using var plain = await Client.GetAsync("/samples?n=9&seed=5");
        using var named = await Client.GetAsync("/samples?n=9&seed=5&sampler=prior&temperature=1");

        Assert.Equal(await plain.Content.ReadAsByteArrayAsync(), await named.Content.ReadAsByteArrayAsync());
        Assert.Equal(plain.Headers.ETag, named.Headers.ETag);
        Assert.Equal($"\"{service.Run.ModelVersion}.n9.s5.png\"", plain.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Seeded_aggregate_draws_are_byte_identical_and_differ_from_the_prior()
    {
        var first = await Client.GetByteArrayAsync("/samples?n=16&seed=11&sampler=aggregate");
        var again = await Client.GetByteArrayAsync("/samples?n=16&seed=11&sampler=aggregate");
        var prior = await Client.GetByteArrayAsync("/samples?n=16&seed=11");

        Assert.Equal((4 * 28, 4 * 28), Png.Size(first));
        Assert.Equal(first, again);
        Assert.NotEqual(prior, first);
    }

    [Fact]
    public async Task Temperature_zero_draws_each_class_mean_so_one_digit_gives_one_image_repeated()
    {
        var samples = await Client.GetFromJsonAsync<SamplesResponse>("/samples?n=4&seed=1&sampler=aggregate&digit=3&temperature=0&format=json", VaeWebFactory.Json);

        Assert.NotNull(samples);
        Assert.Equal(new SamplerInfo("aggregate", 0, 3), samples.Sampler);
        Assert.All(samples.Images, image => Assert.All(image.Zip(samples.Images[0]), p => Assert.Equal(p.Second, p.First, 1e-5f)));
    }

    [Fact]
    public async Task A_lower_temperature_draws_aggregate_samples_closer_together()
    {
        static async Task<double> Spread(HttpClient client, string temperature)
        {
            var samples = (await client.GetFromJsonAsync<SamplesResponse>($"/samples?n=32&seed=2&sampler=aggregate&digit=1&temperature={temperature}&format=json", VaeWebFactory.Json))!;
            var mean = Enumerable.Range(0, 784).Select(p => samples.Images.Average(i => i[p])).ToArray();
            return samples.Images.Average(i => i.Select((v, p) => (v - mean[p]) * (v - mean[p])).Sum());
        }

        Assert.True(await Spread(Client, "0.3") < await Spread(Client, "1.5"), "Images at T = 0.3 should vary less than at T = 1.5.");
    }

    [Fact]
    public async Task Reference_json_has_no_sampler_field_so_old_clients_see_the_same_shape()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/samples?n=1&seed=1&format=json"));

        Assert.False(document.RootElement.TryGetProperty("sampler", out _));
    }

    [Theory]
    [InlineData("sampler=uniform", "sampler")]
    [InlineData("temperature=hot", "temperature")]
    [InlineData("temperature=-0.5", "temperature")]
    [InlineData("temperature=9", "temperature")]
    [InlineData("temperature=NaN", "temperature")]
    [InlineData("sampler=aggregate&digit=10", "digit")]
    [InlineData("sampler=aggregate&digit=seven", "digit")]
    [InlineData("digit=7", "digit")]
    public async Task Bad_sampler_settings_are_a_400_naming_the_field(string query, string field)
    {
        using var response = await Client.GetAsync($"/samples?n=4&seed=1&{query}");

        var message = await response.AssertInvalidFieldAsync(field);
        Assert.Contains(field, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Latent_map_with_mu_carries_each_points_mu_and_without_it_none()
    {
        using var with = JsonDocument.Parse(await Client.GetStringAsync("/latent-map?n=20&mu=true"));
        using var without = JsonDocument.Parse(await Client.GetStringAsync("/latent-map?n=20"));

        var mu = with.RootElement.GetProperty("mu");
        Assert.Equal(20, mu.GetArrayLength());
        Assert.All(mu.EnumerateArray(), row => Assert.Equal(8, row.GetArrayLength()));
        Assert.False(without.RootElement.TryGetProperty("mu", out _));
    }

    [Fact]
    public async Task Latent_map_mu_that_is_not_a_boolean_is_a_400()
    {
        using var response = await Client.GetAsync("/latent-map?mu=yes");

        await response.AssertInvalidFieldAsync("mu");
    }
}

/// <summary>A model trained on so few digits that some class has fewer than two training images.</summary>
public class SamplerWithoutClassesTests
{
    [Fact]
    public async Task Aggregate_samples_of_a_model_whose_training_set_lacks_a_class_are_a_400_naming_the_sampler()
    {
        using var factory = new TinyTrainSetFactory();
        using var client = factory.CreateClient();
        await factory.TrainAsync(client, new { epochs = 1, seed = 1 });

        using var response = await client.GetAsync("/samples?n=4&seed=1&sampler=aggregate");

        var message = await response.AssertInvalidFieldAsync("sampler");
        Assert.Contains("training images", message, StringComparison.Ordinal);
        using var prior = await client.GetAsync("/samples?n=4&seed=1");
        Assert.Equal(HttpStatusCode.OK, prior.StatusCode);
    }

    private sealed class TinyTrainSetFactory : VaeWebFactory
    {
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Vae:Datasets:tiny:TrainLimit", "6")];
    }
}
