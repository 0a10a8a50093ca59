using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace VaeWeb.Analyzers;

/// <summary>
/// VAE0001: no TorchSharp <c>Scalar</c> may be made implicitly, and no call may use an overload that
/// makes one inside TorchSharp.
/// </summary>
/// <remarks>
/// A Scalar owns a native c10::Scalar and has a finalizer that deletes it. When one is made by an
/// implicit conversion (<c>t * 0.5</c>, <c>t.add(u)</c> whose alpha is a converted 1, …) nothing keeps
/// the managed object alive while the native call reads it, so a collection on another thread can
/// finalize it mid-call: the call then reads freed memory and fails with "Expected false to be true"
/// or "toFloat", or computes with whatever the memory holds. Dispose scopes do not track Scalars, so
/// they do not help. An explicit Scalar held by <c>using</c> lives until the call has returned.
/// Reproduced in this project (see docs/torchsharp-lifetimes.md); TorchSharp's own fix is an open
/// pull request (#1434). No existing analyzer knows TorchSharp's ownership rules, hence this one.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScalarLifetimeAnalyzer : DiagnosticAnalyzer
{
    public const string Id = "VAE0001";

    private static readonly DiagnosticDescriptor Rule = new(
        Id,
        "TorchSharp Scalar made implicitly",
        "{0}: TorchSharp can free an implicit Scalar while the native call reads it, so pass an explicit Scalar held by 'using' (as in 'using var half = 0.5.ToScalar()')",
        "Reliability",
        DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        helpLinkUri: null,
        customTags: []);

    /// <summary>TorchSharp methods whose one-Tensor overload passes an implicit alpha of 1 to the native call.</summary>
    private static readonly ImmutableHashSet<string> AlphaMethods = ImmutableHashSet.Create("add", "add_", "op_Addition");

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
            var tensor = start.Compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
            if (scalar is null || tensor is null)
            {
                return;
            }

            start.RegisterOperationAction(c => CheckConversion(c, scalar), OperationKind.Conversion);
            start.RegisterOperationAction(c => CheckInvocation(c, tensor), OperationKind.Invocation);
            start.RegisterOperationAction(c => CheckOperator(c, tensor), OperationKind.Binary, OperationKind.CompoundAssignment);
        });
    }

    private static void CheckConversion(OperationAnalysisContext context, INamedTypeSymbol scalar)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (conversion.IsImplicit && conversion.Conversion.IsUserDefined && SymbolEqualityComparer.Default.Equals(conversion.Type, scalar))
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, conversion.Syntax.GetLocation(), $"'{conversion.Operand.Syntax}' becomes a Scalar implicitly"));
        }
    }

    private static void CheckInvocation(OperationAnalysisContext context, INamedTypeSymbol tensor)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (AlphaMethods.Contains(method.Name) && method.Parameters.Length == 1 && IsTensor(method.ContainingType, tensor)
            && IsTensor(method.Parameters[0].Type, tensor))
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, invocation.Syntax.GetLocation(), $"'{method.Name}(Tensor)' passes an implicit alpha; call '{method.Name}(other, one)'"));
        }
    }

    private static void CheckOperator(OperationAnalysisContext context, INamedTypeSymbol tensor)
    {
        var method = context.Operation switch
        {
            IBinaryOperation binary => binary.OperatorMethod,
            ICompoundAssignmentOperation compound => compound.OperatorMethod,
            _ => null,
        };
        if (method is null || !IsTensor(method.ContainingType, tensor))
        {
            return;
        }

        // Tensor + Tensor calls add(Tensor), which converts an alpha of 1; Tensor ∘ number converts the number.
        var numeric = method.Parameters.Any(p => p.Type.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Single or SpecialType.System_Double);
        var tensorSum = method.Name == "op_Addition" && method.Parameters.All(p => IsTensor(p.Type, tensor));
        if (numeric || tensorSum)
        {
            context.ReportDiagnostic(Diagnostic.Create(Rule, context.Operation.Syntax.GetLocation(), $"'{context.Operation.Syntax}' makes a Scalar inside TorchSharp"));
        }
    }

    private static bool IsTensor(ITypeSymbol? type, INamedTypeSymbol tensor)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, tensor))
            {
                return true;
            }
        }

        return false;
    }
}
