// Projections of the latent map besides PCA. UMAP places the test set's μ non-linearly, so a 2-D
// point has no linear way back to z: it maps back by inverse-distance weighting of the μ of its
// nearest embedded digits, and a latent vector finds its place the same way the other round.

export const IDW_NEIGHBOURS = 8;

/** Runs UMAP in a worker on μ (an array of n arrays of d numbers); resolves to { points, milliseconds }. */
export function computeUmap(mu, onProgress = () => {}) {
  const n = mu.length;
  const d = mu[0].length;
  const flat = new Float32Array(n * d);
  mu.forEach((row, i) => flat.set(row, i * d));
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./umap-worker.js', import.meta.url));
    worker.onmessage = (e) => {
      if (e.data.progress != null) { onProgress(e.data.progress); return; }
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => { worker.terminate(); reject(new Error(`UMAP failed: ${e.message}`)); };
    worker.postMessage({ mu: flat, n, d, seed: 42 }, [flat.buffer]);
  });
}

/** Maps between an embedding's plane and the latent space through the embedded points' μ. */
export class IdwProjection {
  /** @param points the map's points { x, y, label, index }; @param mu their μ, in the same order. */
  constructor(points, mu) {
    this.points = points;
    this.mu = mu;
  }

  /** z at a plane point: Σ wᵢ μᵢ / Σ wᵢ over its nearest embedded points, wᵢ = 1 / distanceᵢ². */
  toLatent(x, y) {
    const near = nearestBy(this.points.length, IDW_NEIGHBOURS, (i) => (this.points[i].x - x) ** 2 + (this.points[i].y - y) ** 2);
    return weighted(near, (i) => this.mu[i]);
  }

  /** The plane point of a latent vector, weighting its nearest μ's embedded places the same way. */
  toPlane(z) {
    if (!z || z.length !== this.mu[0].length) return null;
    const near = nearestBy(this.mu.length, IDW_NEIGHBOURS, (i) => {
      let s = 0;
      const m = this.mu[i];
      for (let j = 0; j < m.length; j++) s += (m[j] - z[j]) ** 2;
      return s;
    });
    const [x, y] = weighted(near, (i) => [this.points[i].x, this.points[i].y]);
    return { x, y };
  }
}

/** The k smallest squared distances: [{ i, d2 }]. */
function nearestBy(n, k, distance) {
  const best = [];
  for (let i = 0; i < n; i++) {
    const d2 = distance(i);
    if (best.length < k || d2 < best[best.length - 1].d2) {
      best.push({ i, d2 });
      best.sort((a, b) => a.d2 - b.d2);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

function weighted(near, vectorOf) {
  // On an embedded point itself the weight is infinite: that point's vector exactly.
  if (near[0].d2 === 0) return Array.from(vectorOf(near[0].i));
  const size = vectorOf(near[0].i).length;
  const sum = new Array(size).fill(0);
  let total = 0;
  for (const { i, d2 } of near) {
    const w = 1 / d2;
    const v = vectorOf(i);
    for (let j = 0; j < size; j++) sum[j] += w * v[j];
    total += w;
  }
  return sum.map((s) => s / total);
}

/** Share of points whose 5 nearest other points (on the plane) vote for their own label. */
export function knnAccuracy(points, k = 5) {
  let right = 0;
  for (let i = 0; i < points.length; i++) {
    const near = nearestBy(points.length, k + 1, (j) => (j === i ? Infinity : (points[j].x - points[i].x) ** 2 + (points[j].y - points[i].y) ** 2)).slice(0, k);
    const votes = new Map();
    for (const { i: j } of near) votes.set(points[j].label, (votes.get(points[j].label) || 0) + 1);
    let label = null;
    let most = -1;
    for (const [l, v] of votes) if (v > most || (v === most && l < label)) { label = l; most = v; }
    if (label === points[i].label) right++;
  }
  return right / points.length;
}
