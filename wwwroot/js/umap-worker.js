// Computes a UMAP embedding of the test set's μ off the page's thread (classic worker: the vendored
// umap-js bundle is a UMD script). Exact 15-nearest neighbours by brute force (about 1,000 points: a
// few tens of milliseconds, far less than umap-js's own approximate search), then a fixed number of
// optimisation epochs with a seeded random source, so the same μ give the same map.

/* global importScripts, UMAP */
importScripts('../lib/umap-js/umap-js.min.js');

const NEIGHBOURS = 15;
const EPOCHS = 200;

self.onmessage = (event) => {
  const { mu, n, d, seed } = event.data;
  const started = performance.now();
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(mu.subarray(i * d, (i + 1) * d)));
  const [indices, distances] = nearest(mu, n, d, NEIGHBOURS);
  const umap = new UMAP.UMAP({ nComponents: 2, nNeighbors: NEIGHBOURS, minDist: 0.1, nEpochs: EPOCHS, random: mulberry32(seed) });
  umap.setPrecomputedKNN(indices, distances);
  const epochs = umap.initializeFit(rows);
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % 20 === 0) self.postMessage({ progress: e / epochs });
  }
  const embedding = umap.getEmbedding();
  const flat = new Float32Array(n * 2);
  embedding.forEach((p, i) => { flat[2 * i] = p[0]; flat[2 * i + 1] = p[1]; });
  self.postMessage({ embedding: flat, milliseconds: performance.now() - started, epochs, neighbours: NEIGHBOURS }, [flat.buffer]);
};

/** The k nearest other points of each point (itself first, as umap-js expects), by squared distance. */
function nearest(x, n, d, k) {
  const indices = [];
  const distances = [];
  const best = new Float64Array(k);
  const which = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    best.fill(Infinity);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0, a = i * d, b = j * d; t < d; t++) { const q = x[a + t] - x[b + t]; s += q * q; }
      if (s >= best[k - 1]) continue;
      let p = k - 1;
      while (p > 0 && best[p - 1] > s) { best[p] = best[p - 1]; which[p] = which[p - 1]; p--; }
      best[p] = s; which[p] = j;
    }
    indices.push(Array.from(which));
    distances.push(Array.from(best, Math.sqrt));
  }
  return [indices, distances];
}

/** A small seeded PRNG (mulberry32): umap-js takes any () => [0, 1) source. */
function mulberry32(a) {
  return () => {
    a = (a + 0x6D2B79F5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
