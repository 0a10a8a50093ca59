// Calls every endpoint of a running service through clients that Kiota generated from the
// document the service serves (bench/client-check.sh generates them into Generated/): typed
// requests, typed answers, typed problems, PNG downloads and image uploads. Exits 1 on the first
// call that does not do what the document says.
using Microsoft.Kiota.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Http.HttpClientLibrary.Middleware.Options;
using VaeWeb.Client.Json.Models;
using Json = VaeWeb.Client.Json;

var url = args.Length > 0 ? args[0] : "http://127.0.0.1:5000";
var adapter = new HttpClientRequestAdapter(new AnonymousAuthenticationProvider()) { BaseUrl = url };
var json = new Json.VaeClient(adapter);
var png = new VaeWeb.Client.Png.VaeClient(adapter);
var upload = new VaeWeb.Client.Upload.VaeClient(adapter);
var checks = new Checks();

// Before the first model: 503 with a typed ProblemDetails and a Retry-After the retry handler honours.
var noRetry = new RetryHandlerOption { MaxRetry = 0 };
var headers = new HeadersInspectionHandlerOption { InspectResponseHeaders = true };
var noModel = await checks.ProblemAsync<ProblemDetails>("GET /samples before a model: 503", () =>
    json.Samples.GetAsync(c => { c.Options.Add(noRetry); c.Options.Add(headers); }));
checks.That("503 says why", noModel.Title == "No model yet", noModel.Title);
checks.That("503 carries Retry-After", headers.ResponseHeaders.ContainsKey("Retry-After"), string.Join(",", headers.ResponseHeaders.Keys));

var health = await json.Healthz.GetAsync();
checks.That("GET /healthz", health?.Status == "healthy", health?.Status);
checks.That("GET /train before a run", (await json.Train.GetAsync())?.State is RunState.Idle or RunState.Completed, null);

// Train one tiny epoch, so that every model endpoint has a model.
var started = await json.Train.PostAsync(new TrainRequest { Epochs = 1, Seed = 0, LatentDim = 8, BatchSize = 64 });
checks.That("POST /train: 202 with the run", started?.RunId is { Length: > 0 }, started?.RunId);
var deadline = DateTime.UtcNow.AddMinutes(5);
RunStatus? status;
do
{
    await Task.Delay(500);
    status = await json.Train.GetAsync();
}
while (status?.State is RunState.Queued or RunState.Running && DateTime.UtcNow < deadline);
checks.That("the run completes", status?.State == RunState.Completed, status?.State?.ToString());

var ready = await json.Readyz.GetAsync();
checks.That("GET /readyz", ready?.Status == "healthy" && ready.ModelVersion is { Length: > 0 }, ready?.Status);
await using (var events = await json.Train.Events.GetAsync())
using (var reader = new StreamReader(events!))
{
    var first = await reader.ReadLineAsync();
    checks.That("GET /train/events streams status events", first is "event: status" or "event:status", first);
}

var runs = await json.Runs.GetAsync();
checks.That("GET /runs", runs is { Count: > 0 }, runs?.Count.ToString());
var run = await json.Runs[started!.RunId!].GetAsync();
checks.That("GET /runs/{id}", run?.Epochs is { Count: 1 }, run?.Epochs?.Count.ToString());
var noRun = await checks.ProblemAsync<ProblemDetails>("GET /runs/{id} unknown: 404", () => json.Runs["no-such-run"].GetAsync());
checks.That("404 names the run", noRun.Detail?.Contains("no-such-run") == true, noRun.Detail);
var compared = await json.Runs.Compare.GetAsync(c => c.QueryParameters.Ids = started.RunId);
checks.That("GET /runs/compare", compared?.Epochs is { Count: 1 } && compared.Runs is [{ Curves.TestLoss: { Count: 1 } }], compared?.Runs?.Count.ToString());
var noIds = await checks.ProblemAsync<HttpValidationProblemDetails>("GET /runs/compare without ids: 400", () => json.Runs.Compare.GetAsync());
checks.That("400 names ids in errors", noIds.Errors?.AdditionalData.ContainsKey("ids") == true, noIds.Detail);

// JSON answers, typed query parameters.
var samples = await json.Samples.GetAsync(c => { c.QueryParameters.N = 4; c.QueryParameters.Seed = 7; c.QueryParameters.Format = Json.Samples.GetFormatQueryParameterType.Json; });
checks.That("GET /samples?format=json", Rows(samples?.Images) is { Count: 4 } rows && samples!.Seed == 7 && rows[0].Count == 784, samples?.Seed?.ToString());
var badN = await checks.ProblemAsync<HttpValidationProblemDetails>("GET /samples?n=0: 400", () => json.Samples.GetAsync(c => c.QueryParameters.N = 0));
checks.That("400 names n in errors", badN.Errors?.AdditionalData.ContainsKey("n") == true, badN.Detail);

var latentDim = samples!.LatentDim!.Value;
var z = Enumerable.Repeat((float?)0.0f, latentDim).ToList();
var decoded = await json.Decode.PostAsync(new DecodeRequest { Z = z });
checks.That("POST /decode (JSON)", Rows(decoded?.Images).Count == 1, decoded?.ModelVersion);
var badZ = await checks.ProblemAsync<HttpValidationProblemDetails>("POST /decode with a short z: 400", () => json.Decode.PostAsync(new DecodeRequest { Z = [1f] }));
checks.That("400 names z", badZ.Errors?.AdditionalData.ContainsKey("z") == true, badZ.Detail);

var item = await json.Dataset["test"][0].GetAsync(c => c.QueryParameters.Format = Json.Dataset.Item.Item.GetFormatQueryParameterType.Json);
checks.That("GET /dataset/{split}/{index} (JSON)", item?.Pixels is { Count: 784 }, item?.Label?.ToString());
var dataset = await json.Dataset.GetAsync();
checks.That("GET /dataset", dataset?.Test?.Count > 0, dataset?.Name);
var pixels = item!.Pixels!;

var encoded = await json.Encode.PostAsync(new EncodeRequest { Pixels = pixels, Sample = true, Seed = 3 });
checks.That("POST /encode (JSON)", encoded?.Mu?.Count == latentDim && encoded.Z?.Count == latentDim, encoded?.ModelVersion);
var reconstructed = await json.Reconstruct.PostAsync(new ReconstructRequest { Images = Matrix(pixels, pixels) });
checks.That("POST /reconstruct (JSON)", Rows(reconstructed?.Images).Count == 2 && reconstructed!.Loss is { Count: 2 }, reconstructed?.ModelVersion);
var walk = await json.Interpolate.PostAsync(new InterpolateRequest
{
    From = new LatentEndpoint { Index = 0 },
    To = new LatentEndpoint { Z = z },
    Steps = 5,
    Method = InterpolationMethod.Slerp,
});
checks.That("POST /interpolate (JSON)", Rows(walk?.Images).Count == 5, walk?.Method?.ToString());
var farIndex = await checks.ProblemAsync<HttpValidationProblemDetails>("POST /interpolate to an index past the test split: 404", () =>
    json.Interpolate.PostAsync(new InterpolateRequest { From = new LatentEndpoint { Index = 99999 }, To = new LatentEndpoint { Index = 1 } }));
checks.That("404 names from.index", farIndex.Errors?.AdditionalData.ContainsKey("from.index") == true, farIndex.Detail);
var explained = await json.Explain.PostAsync(new ExplainRequest { Index = 0, Samples = 4, K = 8, Seed = 1 });
checks.That("POST /explain", explained?.Draws is { Count: 4 } && explained.Gap >= 0, explained?.Gap?.ToString());
var map = await json.LatentMap.GetAsync(c => c.QueryParameters.N = 64);
checks.That("GET /latent-map", map?.Points is { Count: 64 } && Rows(map.Components).Count == 2, map?.Count?.ToString());
var model = await json.Model.GetAsync();
checks.That("GET /model", model?.LatentDim == latentDim && model.Parameters > 0, model?.ModelVersion);
var evaluation = await json.Evaluate.PostAsync(new EvaluateRequest { K = 2, N = 16, Seed = 0 });
checks.That("POST /evaluate", evaluation?.Images == 16 && evaluation.Iwae is not null, evaluation?.Iwae?.ToString());
var metrics = await json.Metrics.GetAsync();
checks.That("GET /metrics (text)", metrics?.Contains("# TYPE", StringComparison.Ordinal) == true, metrics?.Length.ToString());

// PNG answers, through the client generated to prefer image/png.
var grid = await checks.PngAsync("GET /samples (PNG)", () => png.Samples.GetAsync(c => { c.QueryParameters.N = 16; c.QueryParameters.Seed = 1; }));
await checks.PngAsync("POST /decode (PNG)", () => png.Decode.PostAsync(new VaeWeb.Client.Png.Models.DecodeRequest { Zs = Matrix(z, z) }));
await checks.PngAsync("POST /interpolate (PNG strip)", () => png.Interpolate.PostAsync(new VaeWeb.Client.Png.Models.InterpolateRequest
{
    From = new VaeWeb.Client.Png.Models.LatentEndpoint { Index = 0 },
    To = new VaeWeb.Client.Png.Models.LatentEndpoint { Index = 1 },
}));
var digit = await checks.PngAsync("GET /dataset/{split}/{index} (PNG)", () => png.Dataset["test"][0].GetAsync());

// Uploads: that PNG sent back raw and as a form's file field. The upload clients describe the
// body; the JSON answer is read with the JSON client's model (see bench/client-check.sh).
await checks.PngAsync("POST /reconstruct (raw PNG upload, PNG answer)", () => upload.Reconstruct.PostAsync(new MemoryStream(digit)));
var fromUpload = await adapter.SendAsync(
    upload.Encode.ToPostRequestInformation(new MemoryStream(digit)), EncodeResponse.CreateFromDiscriminatorValue, Errors());
checks.That("POST /encode (raw PNG upload)", fromUpload?.Mu?.Count == latentDim && fromUpload.Pixels?.Count == 784, fromUpload?.ModelVersion);
var fromForm = await adapter.SendAsync(FormUpload(upload, adapter, digit), EncodeResponse.CreateFromDiscriminatorValue, Errors());
checks.That("POST /encode (multipart field 'file')", fromForm?.Mu?.Count == latentDim, fromForm?.ModelVersion);
var notAnImage = await checks.ProblemAsync<HttpValidationProblemDetails>("POST /encode with bytes that are no image: 400", () =>
    adapter.SendAsync(upload.Encode.ToPostRequestInformation(new MemoryStream("not a png"u8.ToArray())), EncodeResponse.CreateFromDiscriminatorValue, Errors()));
checks.That("400 names body", notAnImage.Errors?.AdditionalData.ContainsKey("body") == true, notAnImage.Detail);

var cancel = await checks.ProblemAsync<ProblemDetails>("DELETE /train with no run active: 404", () => json.Train.DeleteAsync());
checks.That("404 says there is no run", cancel.Title == "No active run", cancel.Title);
Console.WriteLine($"PNG grid of 16: {grid.Length} bytes");
return checks.Report();

static Dictionary<string, ParsableFactory<IParsable>> Errors() => new()
{
    ["400"] = HttpValidationProblemDetails.CreateFromDiscriminatorValue,
    ["413"] = HttpValidationProblemDetails.CreateFromDiscriminatorValue,
    ["415"] = HttpValidationProblemDetails.CreateFromDiscriminatorValue,
    ["503"] = ProblemDetails.CreateFromDiscriminatorValue,
};

// Kiota 1.38 generates a model class for the multipart body (a 'file' of bytes), but its multipart
// writer takes only a MultipartBody: the Upload client's request for /encode carries the form instead.
static RequestInformation FormUpload(VaeWeb.Client.Upload.VaeClient upload, IRequestAdapter adapter, byte[] png)
{
    var request = upload.Encode.ToPostRequestInformation(new MemoryStream());
    var body = new MultipartBody();
    body.AddOrReplacePart("file", "image/png", png, "digit.png");
    request.Headers.Remove("Content-Type");
    request.SetContentFromParsable(adapter, "multipart/form-data", body);
    return request;
}

// Kiota models an array of arrays (a batch of images or latent vectors) as an untyped node: these
// two read and write it as rows of numbers.
static List<List<double>> Rows(UntypedNode? node) =>
    node is UntypedArray rows
        ? [.. rows.GetValue().Select(row => ((UntypedArray)row).GetValue().Select(Number).ToList())]
        : [];

static double Number(UntypedNode value) => value switch
{
    UntypedDouble d => d.GetValue(),
    UntypedFloat f => f.GetValue(),
    UntypedDecimal m => (double)m.GetValue(),
    UntypedLong l => l.GetValue(),
    UntypedInteger i => i.GetValue(),
    _ => double.NaN,
};

static UntypedArray Matrix(params List<float?>[] rows) =>
    new([.. rows.Select(row => (UntypedNode)new UntypedArray([.. row.Select(v => (UntypedNode)new UntypedFloat(v ?? 0f))]))]);

/// <summary>Counts what held and what did not, and says so line by line.</summary>
internal sealed class Checks
{
    private int passed;
    private int failed;

    public void That(string what, bool held, string? detail)
    {
        if (held)
        {
            passed++;
        }
        else
        {
            failed++;
        }

        Console.WriteLine($"{(held ? "ok  " : "FAIL")} {what}{(held || detail is null ? "" : $" ({detail})")}");
    }

    public async Task<T> ProblemAsync<T>(string what, Func<Task> call)
        where T : ApiException, new()
    {
        try
        {
            await call();
            That(what, false, "no error");
        }
        catch (T problem)
        {
            That(what, true, null);
            return problem;
        }
        catch (Exception e)
        {
            That(what, false, $"{e.GetType().Name}: {e.Message}");
        }

        return new T();
    }

    public async Task<byte[]> PngAsync(string what, Func<Task<Stream?>> call)
    {
        byte[] bytes = [];
        try
        {
            await using var stream = await call();
            using var copy = new MemoryStream();
            await stream!.CopyToAsync(copy);
            bytes = copy.ToArray();
        }
        catch (Exception e)
        {
            That(what, false, $"{e.GetType().Name}: {e.Message}");
            return bytes;
        }

        That(what, bytes.Length > 8 && bytes.AsSpan(0, 8).SequenceEqual((byte[])[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), $"{bytes.Length} bytes");
        return bytes;
    }

    public int Report()
    {
        Console.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }
}
