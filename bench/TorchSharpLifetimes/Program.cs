using TorchSharp;
using static TorchSharp.torch;

// Smallest reproductions of two ways TorchSharp 0.107 lets the .NET collector free native memory that a
// running LibTorch call still reads. Each case runs two worker threads for a fixed time while one thread
// collects garbage in a loop and another allocates, as a busy service or a parallel test run does, and
// counts wrong answers and exceptions. A case that corrupts memory badly enough ends the process (a
// segmentation fault, exit code 139): that is its result.
//
//   dotnet run -c Release --project bench/TorchSharpLifetimes -- <case> [seconds]
//
// Cases:
//   implicit-scalar          a + b            (TorchSharp's add(Tensor) makes an implicit Scalar alpha = 1)
//   implicit-scalar-scoped   a + b            inside a dispose scope (scopes do not track Scalars)
//   explicit-scalar          a.add(b, one)    with 'one' an explicit Scalar held by 'using'
//   bare-temporaries         (x - y).abs().max() outside a dispose scope (the temporaries have no owner)
//   scoped-temporaries       the same inside a dispose scope
var name = args.Length > 0 ? args[0] : "implicit-scalar";
var seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
torch.set_num_threads(1);

Func<double> work = name switch
{
    "implicit-scalar" or "implicit-scalar-scoped" or "explicit-scalar" => ScalarCase(name),
    "bare-temporaries" or "scoped-temporaries" => TemporariesCase(name == "scoped-temporaries"),
    _ => throw new ArgumentException($"unknown case '{name}'"),
};
var expected = name.Contains("scalar", StringComparison.Ordinal) ? 2.0 : 0.0;

var stop = DateTime.UtcNow.AddSeconds(seconds);
long total = 0, wrong = 0, thrown = 0;
var collector = new Thread(() => { while (DateTime.UtcNow < stop) { GC.Collect(); GC.WaitForPendingFinalizers(); } });
var allocator = new Thread(() => { while (DateTime.UtcNow < stop) { using var seven = 7.ToScalar(); using var junk = full(3136, 64, seven); } });
var workers = Enumerable.Range(0, 2).Select(_ => new Thread(() =>
{
    while (DateTime.UtcNow < stop)
    {
        try
        {
            var value = work();
            Interlocked.Increment(ref total);
            if (value != expected && Interlocked.Increment(ref wrong) <= 5)
            {
                Console.WriteLine($"wrong: {value} instead of {expected}");
            }
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            Interlocked.Increment(ref total);
            if (Interlocked.Increment(ref thrown) <= 5)
            {
                Console.WriteLine($"threw: {e.Message.Split('\n')[0]}");
            }
        }
    }
})).ToList();
collector.Start();
allocator.Start();
workers.ForEach(t => t.Start());
workers.ForEach(t => t.Join());
collector.Join();
allocator.Join();
Console.WriteLine($"{name}: {total:N0} calls in {seconds} s, {wrong} wrong, {thrown} threw");

static Func<double> ScalarCase(string name)
{
    var a = ones(64);
    var b = ones(64);
    var one = 1.ToScalar();
    return name switch
    {
#pragma warning disable VAE0001 // The hazard this program reproduces.
        "implicit-scalar" => () => { using var sum = a + b; return sum[0].item<float>(); },
        "implicit-scalar-scoped" => () => { using var scope = NewDisposeScope(); return (a + b)[0].item<float>(); },
#pragma warning restore VAE0001
        _ => () => { using var sum = a.add(b, one); return sum[0].item<float>(); },
    };
}

// The comparison the decoder's gradient test once made: the largest gradient (fc.weight, 3136×64)
// against itself. In optimised code the temporary (x - y) is unreachable while abs() runs natively.
static Func<double> TemporariesCase(bool scoped)
{
    var x = ones(3136, 64);
    var y = ones(3136, 64);
    if (scoped)
    {
        return () => { using var scope = NewDisposeScope(); return (x - y).abs().max().item<float>(); };
    }

    return () => (x - y).abs().max().item<float>();
}
