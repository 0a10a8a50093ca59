using static TorchSharp.torch;

namespace VaeWeb.Tests;

public class TorchSharpTests
{
    [Fact]
    public void TorchSharp_initialises_in_the_test_host_and_multiplies_matrices()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var product = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, product.data<float>().ToArray());
    }
}
