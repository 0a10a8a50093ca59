#!/usr/bin/env python3
"""End-to-end figures of the real service on loopback: start-up from a checkpoint, GET /samples under
wrk at 1/8/32 connections with the model idle and while a run trains, training images/s during that
load, and the service's peak resident memory. Prints a Markdown section; see bench/run.sh."""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, time, urllib.error, urllib.request

p = argparse.ArgumentParser()
p.add_argument("--dll", required=True)
p.add_argument("--port", type=int, default=5191)
p.add_argument("--duration", type=int, default=10, help="seconds per wrk window")
p.add_argument("--runs", type=int, default=5, help="start-up measurements")
p.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
p.add_argument("--out", required=True)
a = p.parse_args()
base = f"http://127.0.0.1:{a.port}"
state = tempfile.mkdtemp(prefix="vaeweb-bench-")
log = open(os.path.join(state, "service.log"), "w")
proc = None


def start():
    env = dict(os.environ, Vae__StateDirectory=state, Vae__Training__AutoStart="false",
               Logging__LogLevel__Default="Warning", ASPNETCORE_ENVIRONMENT="Production")
    return subprocess.Popen(["dotnet", a.dll, "--urls", base], env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=os.path.dirname(a.dll))


def stop(p):
    if p and p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def call(method, path, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers, r.read()


def status():
    return json.loads(call("GET", "/train")[2])


def wait(pred, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            pass
        time.sleep(interval)
    raise TimeoutError("service did not reach the expected state; see " + log.name)


def samples_ok():
    return call("GET", "/samples?n=16&seed=1", timeout=5)[0] == 200


def wrk(path, conns, headers=()):
    cmd = ["wrk", "-t1", f"-c{conns}", f"-d{a.duration}s", "--latency", "--timeout", "10s"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [base + path], capture_output=True, text=True, check=True).stdout
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    lat = {m[0]: float(m[1]) * unit[m[2]] for m in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return {"rps": rps, "p50": lat.get("50"), "p99": lat.get("99"), "non2xx": int(bad.group(1)) if bad else 0,
            "errors": errors.group(0) if errors else ""}


def global_step(s):
    return (max(s.get("epoch") or 1, 1) - 1) * (s.get("stepsPerEpoch") or 0) + (s.get("step") or 0)


def train_rate(seconds, batch, during=None):
    """Training images/s over a window, from the trainer's own step counter; optionally under a load."""
    s0, t0 = status(), time.monotonic()
    result = during() if during else time.sleep(seconds)
    s1, t1 = status(), time.monotonic()
    return (global_step(s1) - global_step(s0)) * batch / (t1 - t0), result


def rss(pid):
    vals = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmHWM", "VmRSS"):
            vals[k] = int(v.split()[0]) / 1024
    return vals


rows = []  # (figure, median, min, max, unit, ratio text, note)
try:
    # A checkpoint to start from: one epoch of the reference model on the embedded digits.
    proc = start()
    wait(lambda: call("GET", "/train")[0] == 200, 120, 0.1)
    call("POST", "/train", {"epochs": 1, "dataset": "mnist", "seed": 0})
    wait(lambda: status()["state"] == "completed", 900, 0.5)
    stop(proc)

    starts = []
    for i in range(a.runs):
        t0 = time.monotonic()
        proc = start()
        wait(samples_ok, 120)
        starts.append(time.monotonic() - t0)
        if i < a.runs - 1:
            stop(proc)
    rows.append(("start-up: process launch → first 200 from /samples?n=16 (checkpoint on disk)", statistics.median(starts),
                 min(starts), max(starts), "s", "", f"target ≤ 3 s; {a.runs} starts"))

    print("HTTP, model idle…", flush=True)
    idle = {}
    for c in (1, 8, 32):
        idle[c] = r = wrk("/samples?n=16", c)
        rows.append((f"GET /samples?n=16 (PNG, random seed), model idle, {c} conn", r["rps"], None, None, "req/s",
                     "baseline" if c == 1 else f"{r['rps'] / idle[1]['rps']:.2f} × 1 conn",
                     f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms{', non-2xx ' + str(r['non2xx']) if r['non2xx'] else ''}"))
    seeded = wrk("/samples?n=16&seed=1", 8)
    rows.append(("GET /samples?n=16&seed=1 (cached per model version), model idle, 8 conn", seeded["rps"], None, None, "req/s",
                 f"{seeded['rps'] / idle[8]['rps']:.2f} × random seed", f"p50 {seeded['p50']:.2f} ms, p99 {seeded['p99']:.2f} ms"))
    etag = call("GET", "/samples?n=16&seed=1")[1]["ETag"]
    revalidate = wrk("/samples?n=16&seed=1", 8, [f"If-None-Match: {etag}"])
    rows.append(("same with If-None-Match (304), model idle, 8 conn", revalidate["rps"], None, None, "req/s",
                 f"{revalidate['rps'] / idle[8]['rps']:.2f} × random seed", f"p50 {revalidate['p50']:.2f} ms, p99 {revalidate['p99']:.2f} ms"))

    fashion = os.path.exists(os.path.join(a.fashion, "train-images-idx3-ubyte.gz")) or os.path.exists(os.path.join(a.fashion, "train-images-idx3-ubyte"))
    dataset = "fashion-mnist" if fashion else "mnist"
    print(f"HTTP while training on {dataset}…", flush=True)
    call("POST", "/train", {"epochs": 100, "dataset": dataset, "seed": 0})
    wait(lambda: status()["state"] == "running" and (status().get("step") or 0) > 5, 300, 0.2)
    batch = status()["parameters"]["batchSize"] if "parameters" in status() else 128
    alone = [train_rate(a.duration, batch)[0]]
    for c in (1, 8, 32):
        # An epoch ends every ~30 s on 60k images and its test evaluation takes no steps, so a
        # window that holds one counts fewer steps: the 8-connection figure (the target) is the
        # median of three load windows, each against the idle windows on either side of it.
        windows = []
        for _ in range(3 if c == 8 else 1):
            rate, r = train_rate(a.duration, batch, lambda: wrk("/samples?n=16", c))
            alone.append(train_rate(a.duration, batch)[0])
            windows.append((rate / statistics.mean(alone[-2:]), rate, r))
        share, rate, r = sorted(windows, key=lambda w: w[0])[len(windows) // 2]
        spread = f" (windows {', '.join(f'{w[0]:.2f}' for w in windows)})" if len(windows) > 1 else ""
        rows.append((f"GET /samples?n=16, while training, {c} conn", r["rps"], None, None, "req/s",
                     f"{r['rps'] / idle[c]['rps']:.2f} × model idle",
                     f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms; target at 8 conn p99 ≤ 150 ms"
                     + (f"; p99 of each window {', '.join(str(round(w[2]['p99'])) for w in windows)} ms" if len(windows) > 1 else "")))
        rows.append((f"training images/s during that {c}-conn load", rate, None, None, "images/s",
                     f"{share:.2f} × training alone{spread}", "target at 8 conn ≥ 0.70 × alone"))
    rows.append((f"training images/s alone ({dataset}, between the loads)", statistics.median(alone), min(alone), max(alone),
                 "images/s", "baseline", f"{len(alone)} windows of {a.duration} s"))
    mem = rss(proc.pid)
    rows.append((f"peak RSS of the service (VmHWM): trained on {dataset} {'60k' if fashion else ''} while serving the loads above",
                 mem["VmHWM"], None, None, "MiB", "", f"RSS now {mem['VmRSS']:.0f} MiB; target ≤ 1.5 GB"))
    if not fashion:
        rows.append(("note", 0, None, None, "", "", f"Fashion-MNIST not in {a.fashion}: trained on the embedded digits instead"))
    call("DELETE", "/train")
    wait(lambda: status()["state"] in ("cancelled", "completed"), 120, 0.2)
finally:
    stop(proc)
    log.close()
    shutil.rmtree(state, ignore_errors=True)


def fmt(v):
    return "" if v is None else (f"{v:,.0f}" if v >= 100 else f"{v:.2f}")


md = [f"### End to end over HTTP on loopback (wrk 1 thread, {a.duration} s per window)", "",
      "| figure | median / value | min | max | unit | ratio (same run) | note |", "| --- | ---: | ---: | ---: | --- | --- | --- |"]
md += [f"| {f} | {fmt(m)} | {fmt(lo)} | {fmt(hi)} | {u} | {r} | {n} |" for f, m, lo, hi, u, r, n in rows]
text = "\n".join(md) + "\n"
print(text)
open(a.out, "w").write(text)
