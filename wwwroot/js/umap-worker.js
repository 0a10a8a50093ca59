// Computes the latent map's UMAP off the page's thread (a classic worker: the vendored umap-js
// bundle is a UMD script). The computation itself is in umap-core.js.

/* global importScripts, umapEmbed */
importScripts('../lib/umap-js/umap-js.min.js', './umap-core.js');

self.onmessage = (event) => {
  const { mu, n, d, seed } = event.data;
  const started = performance.now();
  const result = umapEmbed(mu, n, d, seed, (progress) => self.postMessage({ progress }));
  self.postMessage({ ...result, milliseconds: performance.now() - started }, [result.embedding.buffer]);
};
