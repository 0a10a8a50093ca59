#!/usr/bin/env node
// The latent map's figures for the README: 5-nearest-neighbour accuracy of the map's 2-D points under
// PCA (the service's) and UMAP (the page's own code, wwwroot/js/umap-core.js with the vendored umap-js),
// and how long the UMAP takes here. Usage: node bench/umap-knn.js [base URL, default http://localhost:5080]
const path = require('path');
const root = path.join(__dirname, '..', 'wwwroot');
global.UMAP = require(path.join(root, 'lib', 'umap-js', 'umap-js.min.js'));
const { umapEmbed } = require(path.join(root, 'js', 'umap-core.js'));

function knn5(xy, labels) {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    const near = [];
    for (let j = 0; j < labels.length; j++) if (j !== i) near.push([(xy[2 * j] - xy[2 * i]) ** 2 + (xy[2 * j + 1] - xy[2 * i + 1]) ** 2, labels[j]]);
    near.sort((a, b) => a[0] - b[0]);
    const votes = new Map();
    for (const [, l] of near.slice(0, 5)) votes.set(l, (votes.get(l) || 0) + 1);
    const best = [...votes].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0][0];
    if (best === labels[i]) right++;
  }
  return right / labels.length;
}

(async () => {
  const base = process.argv[2] || 'http://localhost:5080';
  const fetched = Date.now();
  const map = await (await fetch(`${base}/latent-map?mu=true`)).json();
  const fetchMs = Date.now() - fetched;
  const n = map.mu.length;
  const d = map.mu[0].length;
  const labels = map.points.map((p) => p.label);
  const pca = new Float32Array(n * 2);
  map.points.forEach((p, i) => { pca[2 * i] = p.x; pca[2 * i + 1] = p.y; });
  const flat = new Float32Array(n * d);
  map.mu.forEach((row, i) => flat.set(row, i * d));
  const runs = [];
  let embedding;
  for (let r = 0; r < 3; r++) {
    const started = Date.now();
    ({ embedding } = umapEmbed(flat, n, d, 42));
    runs.push(Date.now() - started);
  }
  runs.sort((a, b) => a - b);
  console.log(`model ${map.modelVersion}, ${n} test digits, ${d}-D μ; GET /latent-map?mu=true ${fetchMs} ms`);
  console.log(`5-NN accuracy of the 2-D points: PCA ${(knn5(pca, labels) * 100).toFixed(1)}%, UMAP ${(knn5(embedding, labels) * 100).toFixed(1)}%`);
  console.log(`UMAP time, median of 3: ${runs[1]} ms (min ${runs[0]}, max ${runs[2]}); load average ${require('os').loadavg().map((v) => v.toFixed(2)).join(' ')}`);
})();
