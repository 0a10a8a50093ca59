using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Serving;
using VaeWeb.Vae.Inference;

namespace VaeWeb.Api;

/// <summary>
/// The steps every model endpoint shares, bound as one handler parameter (<c>[AsParameters]</c>):
/// read the body, lease the serving model (or answer 503 with <c>Retry-After</c>), wait at the
/// inference gate, compute, and stamp <c>X-Model-Version</c> on the answer.
/// </summary>
public sealed class ModelCall(HttpContext context, ModelHost models, InferenceGate gate, IOptions<VaeOptions> options)
{
    // [AsParameters] binds constructor parameters to public properties of the same names.
    public HttpContext Context { get; } = context;

    public ModelHost Models { get; } = models;

    public InferenceGate Gate { get; } = gate;

    public IOptions<VaeOptions> Options { get; } = options;

    public HttpRequest Request => Context.Request;

    public VaeOptions Settings => Options.Value;

    /// <summary>Most images or latent vectors one request may carry.</summary>
    public int MaxItems => Settings.Serving.MaxItems;

    public CancellationToken Aborted => Context.RequestAborted;

    /// <summary>The body within the size limits: JSON, or (when <paramref name="imagesAllowed"/>) a PNG/JPEG upload.</summary>
    public Task<RequestBody> ReadBodyAsync(bool imagesAllowed) =>
        RequestBodies.ReadAsync(Request, Settings, imagesAllowed, Aborted);

    /// <summary>The serving model, held until the lease is disposed; 503 (via the filter) when none serves yet.</summary>
    public ModelLease Lease() => Models.TryAcquire() ?? throw new NoModelException();

    /// <summary>
    /// Runs <paramref name="work"/> on the leased model once the inference gate admits
    /// <paramref name="items"/> images, then stamps the model's version on the answer.
    /// </summary>
    public async Task<T> ComputeAsync<T>(ModelLease lease, int items, Func<InferenceModel, T> work)
    {
        using var slot = await Gate.EnterAsync(items, Aborted);
        var result = work(lease.Model);
        Stamp(lease.Model);
        return result;
    }

    /// <summary>Says which model produced the answer.</summary>
    public void Stamp(InferenceModel model) => Context.Response.Headers[ResponseFormat.ModelVersionHeader] = model.Version;

    /// <summary>JSON when <c>format=json</c> or the Accept header prefers it; PNG otherwise.</summary>
    public bool WantsJson(OutputFormat? format) => ResponseFormat.WantsJson(Request, format);
}
