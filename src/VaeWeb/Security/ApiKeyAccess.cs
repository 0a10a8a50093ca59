using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;

namespace VaeWeb.Security;

/// <summary>What an endpoint asks of its caller.</summary>
public enum AccessLevel
{
    /// <summary>Starting, resuming, cancelling training and evaluation: the key when one is configured, else loopback only.</summary>
    TrainingControl,

    /// <summary>Read-only and inference endpoints: open unless <c>Vae:Security:RequireKeyForReads</c> is on and a key is set.</summary>
    Read,
}

/// <summary>Endpoint metadata naming the access an endpoint requires (read by <see cref="ApiKeyMiddleware"/> and the OpenAPI filter).</summary>
public sealed record AccessRequirement(AccessLevel Level);

/// <summary>The outcome of checking one request.</summary>
public enum AccessDecision
{
    Allowed,
    MissingOrWrongKey,
    RemoteWithoutKeyConfigured,
}

/// <summary>Decides whether a request may use an endpoint. The key is compared in constant time and never logged.</summary>
public sealed class ApiKeyAccess(IOptionsMonitor<VaeOptions> options)
{
    public const string HeaderName = "X-Api-Key";
    public const string SchemeName = "ApiKey";

    public bool KeyConfigured => !string.IsNullOrEmpty(options.CurrentValue.Security.ApiKey);

    public AccessDecision Check(HttpContext context, AccessLevel level)
    {
        var security = options.CurrentValue.Security;
        var key = security.ApiKey;
        if (string.IsNullOrEmpty(key))
        {
            return level == AccessLevel.TrainingControl && !IsLocal(context.Connection.RemoteIpAddress)
                ? AccessDecision.RemoteWithoutKeyConfigured
                : AccessDecision.Allowed;
        }

        if (level == AccessLevel.Read && !security.RequireKeyForReads)
        {
            return AccessDecision.Allowed;
        }

        var presented = context.Request.Headers[HeaderName];
        return presented.Count == 1 && KeysMatch(presented[0] ?? "", key)
            ? AccessDecision.Allowed
            : AccessDecision.MissingOrWrongKey;
    }

    /// <summary>
    /// Hashing both sides first gives equal-length inputs, so neither the content nor the length
    /// of the configured key leaks through timing; FixedTimeEquals then compares without early exit.
    /// </summary>
    public static bool KeysMatch(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    /// <summary>
    /// Loopback, or no IP at all: an in-process caller (the test host) or a Unix socket, neither of
    /// which a remote client can reach. Forwarded headers are deliberately not trusted here.
    /// </summary>
    public static bool IsLocal(IPAddress? address) =>
        address is null || IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}
