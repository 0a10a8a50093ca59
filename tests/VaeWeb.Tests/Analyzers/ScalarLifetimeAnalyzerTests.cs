using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using TorchSharp;

namespace VaeWeb.Tests.Analyzers;

/// <summary>
/// The build-time rule VAE0001 (docs/torchsharp-lifetimes.md): it must flag each way TorchSharp makes a
/// Scalar implicitly, and leave explicit Scalars and tensor-only arithmetic alone.
/// </summary>
public sealed class ScalarLifetimeAnalyzerTests
{
    [Theory]
    [InlineData("using var r = t * 0.5;")]
    [InlineData("using var r = 1 + t;")]
    [InlineData("using var r = t / 255f;")]
    [InlineData("using var r = t + u;")]
    [InlineData("using var r = t.add(u);")]
    [InlineData("t.add_(u);")]
    [InlineData("using var r = t.clamp(0, 1);")]
    [InlineData("t.fill_(float.NaN);")]
    public async Task Flags_each_implicit_scalar(string statement)
    {
        var diagnostics = await Analyze(statement);

        Assert.Contains(diagnostics, d => d.Id == "VAE0001");
    }

    [Theory]
    [InlineData("using var half = 0.5.ToScalar(); using var r = t.mul(half);")]
    [InlineData("using var one = 1.ToScalar(); using var r = t.add(u, one);")]
    [InlineData("using var r = t * u;")]
    [InlineData("using var r = t - u;")]
    [InlineData("using var r = t.exp().sum();")]
    public async Task Leaves_explicit_scalars_and_tensor_arithmetic_alone(string statement)
    {
        var diagnostics = await Analyze(statement);

        Assert.DoesNotContain(diagnostics, d => d.Id == "VAE0001");
    }

    private static async Task<ImmutableArray<Diagnostic>> Analyze(string statement)
    {
        var source = $$"""
            using TorchSharp;
            using static TorchSharp.torch;
            public static class Snippet
            {
                public static void Run(Tensor t, Tensor u)
                {
                    {{statement}}
                }
            }
            """;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Select(path => MetadataReference.CreateFromFile(path))
            .Append(MetadataReference.CreateFromFile(typeof(Scalar).Assembly.Location));
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(source)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var compileErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(compileErrors.Count == 0, string.Join("\n", compileErrors));

        var analyzers = ImmutableArray.Create(LoadAnalyzer());
        return await compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>The analyzer as the build loads it: from its own project's output.</summary>
    private static DiagnosticAnalyzer LoadAnalyzer()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "VaeWeb.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("the tests run outside the repository");
        }

        var path = Directory.GetFiles(Path.Combine(root.FullName, "analyzers", "VaeWeb.Analyzers", "bin"), "VaeWeb.Analyzers.dll", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc)
            .First();
        var type = Assembly.LoadFrom(path).GetType("VaeWeb.Analyzers.ScalarLifetimeAnalyzer", throwOnError: true)!;
        return (DiagnosticAnalyzer)Activator.CreateInstance(type)!;
    }
}
