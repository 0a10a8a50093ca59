using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using VaeWeb.Configuration;
using VaeWeb.Serving;
using VaeWeb.Vae.Inference;

namespace VaeWeb.Api;

/// <summary>
/// The steps every model endpoint shares, bound as one handler parameter (<c>[AsParameters]</c>):
/// read the body, lease the model the request names (<c>model=</c>) or the serving one (or answer 503 with <c>Retry-After</c>), wait at the
/// inference gate, compute, and stamp <c>X-Model-Version</c> on the answer.
/// </summary>
public sealed class ModelCall(
    HttpContext context,
    ServedModels models,
    InferenceGate gate,
    IOptions<VaeOptions> options,
    [FromQuery(Name = "model")] string? model = null)
{
    // [AsParameters] binds constructor parameters to public properties of the same names.
    public HttpContext Context { get; } = context;

    public ServedModels Models { get; } = models;

    /// <summary>The run id or version the request names (<c>model=</c>); null for the pinned or newest.</summary>
    public string? Model { get; } = model;

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

    /// <summary>
    /// The model the request names, else the pinned or newest one, held until the lease is disposed:
    /// 503 (via the filter) when none serves yet, 404 for a <c>model</c> with no checkpoint here.
    /// </summary>
    public ModelLease Lease() => Models.Acquire(Model);

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
