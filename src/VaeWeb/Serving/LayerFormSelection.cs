using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Vae.Model;

namespace VaeWeb.Serving;

/// <summary>
/// The layer forms this process trains and serves with, chosen by <see cref="LayerFormCheck"/> on
/// the CPU it runs on, at the trainer's and the request threads' LibTorch widths. Checked once,
/// before the first checkpoint loads; a form that disagrees with the plain stack is not used and
/// the log says which and by how much.
/// </summary>
public sealed partial class LayerFormSelection(IOptions<VaeOptions> options, ILogger<LayerFormSelection> logger)
{
    // The answer depends only on the CPU and the LibTorch build, which a process cannot change;
    // test hosts start many services in one process, and each would otherwise pay the ~1 s check.
    private static readonly ConcurrentDictionary<string, Lazy<LayerFormDecision>> Decisions = new();

    private readonly Lazy<LayerFormDecision> decision = new(() => Decide(options.Value, logger));

    public LayerFormDecision Decision => decision.Value;

    /// <summary>The forms new training and serving modules are built with.</summary>
    public LayerForms Forms => Decision.Selected;

    private static LayerFormDecision Decide(VaeOptions options, ILogger logger)
    {
        int[] threads = [options.Training.Threads, options.Serving.Threads];
        var key = string.Join(",", threads.Distinct().Order());
        var lazy = Decisions.GetOrAdd(key, _ => new Lazy<LayerFormDecision>(() => LayerFormCheck.Run(ModelConfig.Reference, threads)));
        var result = lazy.Value;
        if (result.Refused.Count == 0)
        {
            LogAgreed(logger, result.Summary);
        }
        else
        {
            LogRefused(logger, string.Join(", ", result.Refused), result.Summary);
        }

        return result;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Self-check on this CPU: {Summary}")]
    private static partial void LogAgreed(ILogger logger, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Self-check on this CPU: not using {Refused}, which disagree with the plain layer stack: {Summary}")]
    private static partial void LogRefused(ILogger logger, string refused, string summary);
}
