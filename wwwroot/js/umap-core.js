// The page's UMAP of the test set's μ, as one function shared by the worker (umap-worker.js) and the
// bench (bench/umap-knn.js): exact 15-nearest neighbours by brute force (about 1,000 points: far less
// work than umap-js's own approximate search), then a fixed number of optimisation epochs with a
// seeded random source, so the same μ give the same map. Needs umap-js loaded as the global UMAP.

/* global UMAP */
/* eslint-disable no-unused-vars */
const UMAP_NEIGHBOURS = 15;
const UMAP_EPOCHS = 150;

/** x: Float32Array of n·d numbers. Returns { embedding: Float32Array(2n), epochs, neighbours }. */
function umapEmbed(x, n, d, seed, onProgress = () => {}) {
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(x.subarray(i * d, (i + 1) * d)));
  const [indices, distances] = umapNearest(x, n, d, UMAP_NEIGHBOURS);
  const umap = new UMAP.UMAP({ nComponents: 2, nNeighbors: UMAP_NEIGHBOURS, minDist: 0.1, nEpochs: UMAP_EPOCHS, random: mulberry32(seed) });
  umap.setPrecomputedKNN(indices, distances);
  const epochs = umap.initializeFit(rows);
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % 20 === 0) onProgress(e / epochs);
  }
  const embedding = new Float32Array(n * 2);
  umap.getEmbedding().forEach((p, i) => { embedding[2 * i] = p[0]; embedding[2 * i + 1] = p[1]; });
  return { embedding, epochs, neighbours: UMAP_NEIGHBOURS };
}

/** The k nearest points of each point (itself first, as umap-js expects), by Euclidean distance. */
function umapNearest(x, n, d, k) {
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

if (typeof module !== 'undefined') module.exports = { umapEmbed };
