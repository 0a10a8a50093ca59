using static TorchSharp.torch;

namespace VaeWeb.Vae.Inference;

/// <summary>Managed rows ⇄ a [rows, width] float tensor.</summary>
internal static class Rows
{
    public static Tensor ToTensor(IReadOnlyList<float[]> rows, int width)
    {
        var flat = new float[rows.Count * width];
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != width)
            {
                throw new ArgumentException($"Row {i} has {rows[i].Length} values; {width} expected.", nameof(rows));
            }

            rows[i].CopyTo(flat, i * width);
        }

        return tensor(flat, [rows.Count, width]);
    }

    public static float[][] FromTensor(Tensor t)
    {
        using var flat = t.reshape(t.shape[0], -1).contiguous();
        var width = (int)flat.shape[1];
        var all = flat.data<float>().ToArray();
        var rows = new float[flat.shape[0]][];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = all.AsSpan(i * width, width).ToArray();
        }

        return rows;
    }
}
