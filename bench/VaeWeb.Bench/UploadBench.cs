using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using VaeWeb.Tests.Imaging;
using VaeWeb.Vae.Data;

namespace VaeWeb.Bench;

/// <summary>
/// Uploads against a running service (see bench/uploads.sh): /encode latency for the two reference
/// files, and a soak of the crafted-file corpus that reports the service's resident memory as it goes.
/// </summary>
public static class UploadBench
{
    /// <summary>
    /// Median and 90th percentile of sequential /encode requests for a 28×28 PNG and a 1024×1024
    /// JPEG photo of a digit; with several services, each request goes to each in turn.
    /// </summary>
    public static async Task<int> LatencyAsync(IReadOnlyList<Uri> services, int requests)
    {
        var clients = services.Select(u => new HttpClient { BaseAddress = u, Timeout = TimeSpan.FromSeconds(30) }).ToArray();
        var dataDir = Path.Combine(AppContext.BaseDirectory, "data", "mnist");
        byte[] small;
        using (var digits = DigitDataset.LoadSplit(dataDir, DigitDataset.TestImages, DigitDataset.TestLabels))
        using (var image = Image.LoadPixelData<L8>(digits.Pixels(0).Select(v => (byte)MathF.Round(v * 255)).ToArray(), 28, 28))
        {
            small = DigitImages.Encode(image, ImageKind.Png);
        }

        var files = new (string Name, string Type, byte[] Body)[]
        {
            ("28×28 PNG (a test digit)", "image/png", small),
            ("1024×1024 JPEG photo of a digit", "image/jpeg", DigitImages.SevenPhoto(1024)),
        };
        try
        {
            foreach (var (name, type, body) in files)
            {
                var times = clients.Select(_ => new List<double>()).ToArray();
                for (var i = 0; i < requests + 10; i++)
                {
                    for (var c = 0; c < clients.Length; c++)
                    {
                        var clock = Stopwatch.StartNew();
                        using var response = await clients[c].PostAsync("/encode", Content(body, type));
                        await response.Content.ReadAsByteArrayAsync();
                        clock.Stop();
                        if (!response.IsSuccessStatusCode)
                        {
                            Console.Error.WriteLine($"{services[c]} {name}: HTTP {(int)response.StatusCode}");
                            return 1;
                        }

                        if (i >= 10)
                        {
                            times[c].Add(clock.Elapsed.TotalMilliseconds);
                        }
                    }
                }

                for (var c = 0; c < clients.Length; c++)
                {
                    var t = times[c].Order().ToArray();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"RESULT build {c}: /encode {name}, {body.Length:N0} bytes: median {t[t.Length / 2]:0.00} ms, p90 {t[(int)(t.Length * 0.9)]:0.00} ms, min {t[0]:0.00} ms ({requests} requests)"));
                }
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        return 0;
    }

    /// <summary>
    /// Sends the crafted-file corpus round and round, <paramref name="concurrency"/> at a time, until
    /// <paramref name="uploads"/> have been answered; prints the service's RSS before, every 500
    /// uploads and after a pause, the answers by status, and the slowest. Fails on any 5xx.
    /// </summary>
    public static async Task<int> SoakAsync(Uri service, int pid, int uploads, int concurrency)
    {
        using var client = new HttpClient { BaseAddress = service, Timeout = TimeSpan.FromSeconds(30) };
        var corpus = CraftedFiles.All;
        Console.WriteLine($"corpus: {corpus.Count} crafted uploads; sending {uploads:N0}, {concurrency} at a time; service pid {pid}");
        Console.WriteLine($"RESULT rss_before_mb={Rss(pid)}");
        var statuses = new SortedDictionary<int, int>();
        var next = -1;
        var slowest = (Name: "", Ms: 0.0);
        var gate = new object();
        var checkpoints = new List<string>();
        var serverErrors = new SortedSet<string>(StringComparer.Ordinal);
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < uploads)
            {
                var upload = corpus[n % corpus.Count];
                var clock = Stopwatch.StartNew();
                using var response = await client.PostAsync("/encode", Content(upload.Body, upload.ContentType));
                await response.Content.ReadAsByteArrayAsync();
                var ms = clock.Elapsed.TotalMilliseconds;
                lock (gate)
                {
                    statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                    if ((int)response.StatusCode >= 500)
                    {
                        serverErrors.Add(upload.Name);
                    }

                    if (ms > slowest.Ms)
                    {
                        slowest = (upload.Name, ms);
                    }

                    if ((n + 1) % 500 == 0)
                    {
                        checkpoints.Add($"{n + 1}: {Rss(pid)} MB");
                    }
                }
            }
        }).ToArray();
        await Task.WhenAll(workers);
        Console.WriteLine($"RESULT rss_after_mb={Rss(pid)}");
        Console.WriteLine($"RSS every 500 uploads: {string.Join(", ", checkpoints)}");
        await Task.Delay(TimeSpan.FromSeconds(10));
        Console.WriteLine($"RESULT rss_after_10s_idle_mb={Rss(pid)}");
        Console.WriteLine($"RESULT statuses {string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}"))}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT slowest {slowest.Ms:0} ms ({slowest.Name})"));
        if (serverErrors.Count > 0)
        {
            Console.WriteLine($"RESULT 5xx for: {string.Join("; ", serverErrors)}");
        }

        return statuses.Keys.Any(s => s >= 500) ? 1 : 0;
    }

    private static ByteArrayContent Content(byte[] body, string type)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    private static string Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? "?" : (long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).ToString(CultureInfo.InvariantCulture);
    }
}
