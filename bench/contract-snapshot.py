#!/usr/bin/env python3
# What clients see for 93 requests (mostly bad input): status, Content-Type, the ProblemDetails body
# (traceId left out), whether X-Model-Version and Retry-After are set. Run it against two builds
# (before and after a first epoch) and diff the output to prove the contract did not move:
#   python3 bench/contract-snapshot.py http://127.0.0.1:5080 > before.jsonl
# The service runs with AutoStart off and a data set named "tiny" (the slice bench/client-check.sh configures).
import json, sys, urllib.request, urllib.error

base = sys.argv[1]

J = "application/json"
png_bad = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
mp_nofile = ("--XB\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nhello\r\n--XB--\r\n").encode()
mp_bad = b"--XB\r\nnot a form"
z8 = "[" + ",".join(["0"] * 8) + "]"
px = "[" + ",".join(["0.5"] * 784) + "]"
cases = [
    ("GET", "/samples?n=0", None, None), ("GET", "/samples?n=abc", None, None), ("GET", "/samples?n=257", None, None),
    ("GET", "/samples?seed=-1", None, None), ("GET", "/samples?seed=x", None, None), ("GET", "/samples?format=xml", None, None),
    ("GET", "/samples?n=2&seed=1&format=json", None, None),
    ("POST", "/decode?format=bad", J, '{"z":%s}' % z8), ("POST", "/decode", None, None), ("POST", "/decode", "text/plain", "hi"),
    ("POST", "/decode", J, "{bad"), ("POST", "/decode", J, '{"z":[1,2]}'), ("POST", "/decode", J, '{"z":"NaN"}'),
    ("POST", "/decode", J, '{"z":%s,"zs":[%s]}' % (z8, z8)), ("POST", "/decode", J, '{"zs":[]}'), ("POST", "/decode", J, '{"q":1}'),
    ("POST", "/decode", J, "[1]"), ("POST", "/decode", J, "{}"), ("POST", "/decode", J, '{"z":[0,0,0,0,0,0,0,"x"]}'),
    ("POST", "/decode?format=json", J, '{"z":%s}' % z8),
    ("POST", "/encode", None, None), ("POST", "/encode", "text/plain", "hi"), ("POST", "/encode", J, '{"pixels":[1]}'),
    ("POST", "/encode", J, '{"pixels":[2%s}' % px[2:]), ("POST", "/encode", J, '{"pixels":%s,"images":[%s]}' % (px, px)),
    ("POST", "/encode?sample=maybe", J, '{"pixels":%s}' % px), ("POST", "/encode?seed=-1", "image/png", png_bad),
    ("POST", "/encode", J, '{"pixels":%s,"sample":"x"}' % px), ("POST", "/encode", J, '{"pixels":%s,"seed":-3}' % px),
    ("POST", "/encode", "image/png", png_bad), ("POST", "/encode", "image/png", b""),
    ("POST", "/encode", "multipart/form-data; boundary=XB", mp_nofile), ("POST", "/encode", "multipart/form-data; boundary=XB", mp_bad),
    ("POST", "/encode", J, "{}"), ("POST", "/encode", J, '{"x":1}'),
    ("POST", "/encode?sample=true&seed=3", J, '{"pixels":%s}' % px),
    ("POST", "/reconstruct?format=bad", J, '{"pixels":%s}' % px), ("POST", "/reconstruct", J, '{"sample":true}'),
    ("POST", "/reconstruct", "text/plain", "x"), ("POST", "/reconstruct", J, '{"pixels":[0]}'),
    ("POST", "/reconstruct?format=json", J, '{"pixels":%s}' % px),
    ("POST", "/interpolate", None, None), ("POST", "/interpolate?format=x", J, "{}"), ("POST", "/interpolate", J, '{"steps":1}'),
    ("POST", "/interpolate", J, '{"steps":65,"from":{"index":0},"to":{"index":1}}'), ("POST", "/interpolate", J, '{"method":"foo"}'),
    ("POST", "/interpolate", J, '{"method":3}'), ("POST", "/interpolate", J, '{"to":{"index":1}}'), ("POST", "/interpolate", J, '{"from":{"index":1}}'),
    ("POST", "/interpolate", J, '{"from":{"index":99999},"to":{"index":1}}'), ("POST", "/interpolate", J, '{"from":{"z":[1]},"to":{"index":1}}'),
    ("POST", "/interpolate", J, '{"from":{},"to":{"index":1}}'), ("POST", "/interpolate", J, '{"from":3,"to":{"index":1}}'),
    ("POST", "/interpolate", J, '{"from":{"index":0,"q":1},"to":{"index":1}}'), ("POST", "/interpolate", J, '{"from":{"index":-1},"to":{"index":1}}'),
    ("POST", "/interpolate", J, '{"from":{"index":"a"},"to":{"index":1}}'), ("POST", "/interpolate", J, '{"from":{"pixels":[1]},"to":{"index":1}}'),
    ("POST", "/interpolate", J, '{"x":1}'), ("POST", "/interpolate?format=json", J, '{"from":{"index":0},"to":{"index":1},"steps":3,"method":"slerp"}'),
    ("POST", "/evaluate", J, '{"k":0}'), ("POST", "/evaluate", J, '{"k":1001}'), ("POST", "/evaluate", J, '{"n":0}'),
    ("POST", "/evaluate", J, '{"n":100000}'), ("POST", "/evaluate", J, '{"seed":-1}'), ("POST", "/evaluate", J, '{"q":1}'),
    ("POST", "/evaluate", "text/plain", "x"), ("POST", "/evaluate", J, "[]"),
    ("GET", "/latent-map?n=1", None, None), ("GET", "/latent-map?n=x", None, None), ("GET", "/latent-map?n=100000", None, None),
    ("GET", "/dataset?name=nope", None, None), ("GET", "/dataset/foo/0", None, None), ("GET", "/dataset/test/x", None, None),
    ("GET", "/dataset/test/99999", None, None), ("GET", "/dataset/test/0?format=bad", None, None), ("GET", "/dataset/test/-1", None, None),
    ("GET", "/dataset/test/0?format=json", None, None), ("GET", "/dataset?name=tiny", None, None),
    ("GET", "/runs/nope", None, None),
    ("POST", "/train", J, '{"epochs":0}'), ("POST", "/train", J, '{"likelihood":"x"}'), ("POST", "/train", J, '{"nope":1}'),
    ("POST", "/train", J, '{"resume":3}'), ("POST", "/train", J, '{"resume":"abc","beta":1}'), ("POST", "/train", "text/plain", "x"),
    ("POST", "/train", J, "{bad"), ("POST", "/train", J, '{"resume":"nope"}'), ("POST", "/train", J, '{"learningRate":2,"batchSize":0,"dataset":"zz","seed":-1}'),
    ("POST", "/train", J, '{"precision":"fp16"}'), ("POST", "/train", J, "[1]"), ("POST", "/train", J, '{"resume":"abc","epochs":0}'),
    ("DELETE", "/train", None, None),
    ("GET", "/model", None, None),
]
for method, path, ctype, body in cases:
    data = body.encode() if isinstance(body, str) else body
    req = urllib.request.Request(base + path, data=data, method=method)
    if ctype: req.add_header("Content-Type", ctype)
    try:
        r = urllib.request.urlopen(req, timeout=120); status = r.status; raw = r.read(); headers = r.headers
    except urllib.error.HTTPError as e:
        status = e.code; raw = e.read(); headers = e.headers
    ct = headers.get("Content-Type")
    out = {"req": f"{method} {path} {ctype} {(body[:40] if isinstance(body, str) else len(body or b''))}", "status": status, "ct": ct,
           "version": headers.get("X-Model-Version") is not None, "retryAfter": headers.get("Retry-After")}
    if ct and "json" in ct:
        doc = json.loads(raw)
        if isinstance(doc, dict) and "status" in doc and status >= 400:
            doc.pop("traceId", None)
            out["body"] = doc
        else:
            out["keys"] = sorted(doc.keys()) if isinstance(doc, dict) else type(doc).__name__
    else:
        out["len>0"] = len(raw) > 0
    print(json.dumps(out, sort_keys=True, ensure_ascii=False))
