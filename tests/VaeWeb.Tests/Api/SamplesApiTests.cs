using System.Net;
using System.Net.Http.Json;
using VaeWeb.Api;
using VaeWeb.Tests.Infrastructure;

namespace VaeWeb.Tests.Api;

[Collection(TrainedServiceCollection.Name)]
public class SamplesApiTests(TrainedServiceFixture service)
{
    private HttpClient Client => service.Client;

    [Theory]
    [InlineData(16, 4, 4)]
    [InlineData(1, 1, 1)]
    [InlineData(10, 4, 3)]
    [InlineData(256, 16, 16)]
    public async Task Samples_are_a_near_square_png_grid_of_28_pixel_tiles(int n, int columns, int rows)
    {
        using var response = await Client.GetAsync($"/samples?n={n}&seed=3");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((columns * 28, rows * 28), Png.Size(await response.Content.ReadAsByteArrayAsync()));
        Assert.Equal(service.Run.ModelVersion, response.Headers.GetValues("X-Model-Version").Single());
    }

    [Fact]
    public async Task Samples_as_json_carry_the_model_version_and_784_pixels_in_unit_range_per_image()
    {
        var samples = await Client.GetFromJsonAsync<SamplesResponse>("/samples?n=5&seed=9&format=json", VaeWebFactory.Json);

        Assert.NotNull(samples);
        Assert.Equal(service.Run.ModelVersion, samples.ModelVersion);
        Assert.Equal(8, samples.LatentDim);
        Assert.Equal(5, samples.Images.Count);
        Assert.All(samples.Images, image =>
        {
            Assert.Equal(784, image.Length);
            Assert.All(image, p => Assert.InRange(p, 0f, 1f));
        });
    }

    [Fact]
    public async Task Accept_application_json_selects_json()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/samples?n=2&seed=1");
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await Client.SendAsync(request);

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_same_seed_gives_identical_images_and_another_seed_different_ones()
    {
        var first = await Client.GetByteArrayAsync("/samples?n=16&seed=123");
        var again = await Client.GetByteArrayAsync("/samples?n=16&seed=123");
        var other = await Client.GetByteArrayAsync("/samples?n=16&seed=124");

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("257")]
    [InlineData("-3")]
    [InlineData("many")]
    [InlineData("1.5")]
    public async Task N_outside_1_to_256_or_not_a_number_is_a_problem_naming_the_range(string n)
    {
        using var response = await Client.GetAsync($"/samples?n={n}");

        var message = await response.AssertInvalidFieldAsync("n");
        Assert.Contains("from 1 to 256", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_negative_or_non_numeric_seed_is_a_problem()
    {
        using var response = await Client.GetAsync("/samples?seed=abc");

        await response.AssertInvalidFieldAsync("seed");
    }

    [Fact]
    public async Task An_unknown_format_is_a_problem_listing_png_and_json()
    {
        using var response = await Client.GetAsync("/samples?format=gif");

        var message = await response.AssertInvalidFieldAsync("format");
        Assert.Contains("'png' or 'json'", message, StringComparison.Ordinal);
    }
}

public class SamplesBeforeAnyModelTests
{
    [Fact]
    public async Task Samples_before_any_model_is_a_503_problem_saying_training_is_under_way()
    {
        using var factory = new VaeWebFactory();
        using var client = factory.CreateClient();

        using var response = await client.GetAsync("/samples?n=4");

        var problem = await response.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("Training is under way", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
