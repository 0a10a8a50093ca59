using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace VaeWeb.Configuration;

/// <summary>
/// ValidateDataAnnotations checks only the top level of <see cref="VaeOptions"/>; this checks the
/// attributes of its sections too, naming each failure by its configuration key
/// ("Vae:Limits:ComputeQueue: …").
/// </summary>
public sealed class NestedOptionsValidator : IValidateOptions<VaeOptions>
{
    public ValidateOptionsResult Validate(string? name, VaeOptions options)
    {
        var failures = new List<string>();
        Check("Training", options.Training, failures);
        Check("Serving", options.Serving, failures);
        Check("Security", options.Security, failures);
        Check("Limits", options.Limits, failures);
        Check("TestHooks", options.TestHooks, failures);
        Check("Judge", options.Judge, failures);
        Check("Lab", options.Lab, failures);
        foreach (var (key, dataset) in options.Datasets)
        {
            Check($"Datasets:{key}", dataset, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Check(string section, object value, List<string> failures)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
        {
            failures.AddRange(results.Select(r => $"{VaeOptions.Section}:{section}:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"));
        }
    }
}
