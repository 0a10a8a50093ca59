// "One digit through the VAE": POST /explain for a test digit, a map pick or the drawing, drawn as the
// derivation's pipeline x → encoder → μ, σ → ε → z = μ + σ ⊙ ε → decoder → x̂, with every term measured
// and the equations typeset by KaTeX. KaTeX (≈300 kB with its fonts) is loaded only when the panel
// first shows a digit, so the page's first load stays small.

import { getJson, postBlob, postJson, showError } from './api.js';
import { blank, drawDigit, SIDE } from './pixels.js';
import { map } from './latent.js';
import { store } from './store.js';

const $ = (id) => document.getElementById(id);
const panel = $('explain');
const form = $('explain-form');
const error = $('explain-error');
const info = $('explain-info');

/** Dimensions shown by default (most active first), half of a small latent; the button shows all of them. */
const TOP_DIMENSIONS = 12;
const shownByDefault = (latentDim) => Math.min(TOP_DIMENSIONS, Math.ceil(latentDim / 2));
const ACCENT = '#2f5fb3';
const PRIOR_DRAWS = 300;

let answer = null;
let current = 0;
let allDimensions = false;
let source = { kind: 'index', index: 0 };
let busy = null;
let modelActive = null;
let seen = false;

export function initExplain() {
  blank($('explain-x'));
  blank($('explain-xhat'));
  blank($('explain-heat'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    source = { kind: 'index', index: Number(form.elements.index.value) };
    explain();
  });
  $('explain-use-drawing').addEventListener('click', () => {
    if (!store.drawing?.blob) {
      showError(error, new Error('Draw a digit in "Draw a digit" first.'));
      return;
    }
    source = { kind: 'drawing', blob: store.drawing.blob };
    explain();
  });
  $('explain-redraw').addEventListener('click', () => {
    form.elements.seed.value = String((Number(form.elements.seed.value) || 0) + 1);
    explain();
  });
  $('explain-all').addEventListener('click', () => {
    allDimensions = !allDimensions;
    render();
  });
  // A digit picked on the map (click or Enter) is selected through the store once its μ is known.
  store.on('selection', () => {
    const picked = map.picked;
    if (!$('explain-follow').checked || !picked || !answer) return;
    if (source.kind === 'index' && source.index === picked.index) return;
    form.elements.index.value = String(picked.index);
    source = { kind: 'index', index: picked.index };
    explain();
  });
  store.on('model', () => {
    modelActive = null;
    if (seen) explain();
  });
  // The first digit is explained when the panel comes into view (or when a model arrives after that).
  new IntersectionObserver((entries, observer) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    seen = true;
    if (store.modelVersion) explain();
  }, { rootMargin: '200px' }).observe(panel);
}

/** One request at a time; a newer ask made meanwhile replaces the queued one. */
async function explain() {
  if (busy) { busy.again = true; return; }
  busy = { again: false };
  try {
    const settings = readSettings();
    const next = source.kind === 'drawing'
      ? await postBlob(`/explain?${new URLSearchParams(settings)}`, source.blob)
      : await postJson('/explain', { index: source.index, ...settings });
    const [katex] = await Promise.all([loadKatex(), activeUnits()]);
    answer = next;
    current = 0;
    showError(error, null);
    render(katex);
    panel.dataset.modelVersion = answer.modelVersion;
    panel.dataset.seed = String(answer.seed);
    panel.dataset.source = answer.source;
    panel.dataset.index = answer.index ?? '';
  } catch (e) {
    showError(error, e);
  } finally {
    const again = busy.again;
    busy = null;
    if (again) explain();
  }
}

function readSettings() {
  const settings = {};
  for (const name of ['samples', 'k', 'seed']) {
    const value = form.elements[name].value.trim();
    if (value !== '') settings[name] = Number(value);
  }
  return settings;
}

/** The test set's active-unit count from GET /model, once per model version. */
async function activeUnits() {
  if (modelActive && modelActive.version === store.modelVersion) return modelActive;
  try {
    const model = await getJson('/model');
    modelActive = { version: model.modelVersion, count: model.activeUnits, threshold: model.activeThreshold };
  } catch {
    modelActive = null;
  }
  return modelActive;
}

let katexPromise = null;

/** Adds KaTeX's stylesheet and script (both from this site) once; resolves to the katex object. */
function loadKatex() {
  katexPromise ??= new Promise((resolve) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = 'lib/katex/katex.min.css';
    document.head.append(css);
    const script = document.createElement('script');
    script.src = 'lib/katex/katex.min.js';
    // Without KaTeX the equations stay readable as TeX source.
    script.onload = () => resolve(window.katex ?? null);
    script.onerror = () => resolve(null);
    document.head.append(script);
  });
  return katexPromise;
}

let lastKatex = null;

function render(katex = lastKatex) {
  lastKatex = katex;
  if (!answer) return;
  const a = answer;
  const order = a.klPerDimension.map((kl, j) => [kl, j]).sort((p, q) => q[0] - p[0]).map((p) => p[1]);
  const shown = allDimensions ? order : order.slice(0, shownByDefault(a.latentDim));
  const draw = a.draws[current];

  const what = a.source === 'index' ? `test #${a.index}, a ${a.label}` : a.source === 'upload' ? 'the drawing' : 'the pixels sent';
  drawDigit($('explain-x'), a.input);
  $('explain-x-caption').textContent = `x: ${what}`;
  drawDigit($('explain-xhat'), draw.decoded);
  $('explain-xhat-caption').textContent = `x̂ of draw ${current + 1}: Σ(x − x̂)² = ${fmt(draw.squaredError)}, log p(x|z) = ${fmt(draw.logLikelihood)}`;

  const sigma = a.logVar.map((v) => Math.exp(v / 2));
  // On a narrow screen the three bar charts still sit side by side, narrower.
  const compact = panel.clientWidth < 560;
  drawMuSigma($('explain-mu'), shown, a.mu, sigma, compact ? 140 : 260);
  drawBars($('explain-eps'), shown, draw.epsilon, 3, compact ? 70 : 130);
  drawZ($('explain-z'), shown, a.mu, sigma, a.draws, current, compact ? 100 : 180);
  $('explain-mu-caption').textContent = `μ ± σ of ${shown.length} of ${a.latentDim} dimensions, most active first (grey: the prior's ±1)`;
  $('explain-all').textContent = allDimensions ? `Show the ${shownByDefault(a.latentDim)} most active` : `Show all ${a.latentDim} dimensions`;
  $('explain-all').setAttribute('aria-pressed', String(allDimensions));
  $('explain-mu').dataset.rows = String(shown.length);

  strip(a);
  heat($('explain-heat'), a.input, draw.decoded);
  $('explain-heat-caption').textContent = `(x − x̂)² of draw ${current + 1}, Σ = ${fmt(draw.squaredError)}`;
  drawKl($('explain-kl'), order, a.klPerDimension, a.activeThreshold);
  const model = modelActive ? `; on the test set ${modelActive.count} of ${a.latentDim} are active (mean KL_j > ${modelActive.threshold})` : '';
  $('explain-kl-caption').textContent = `KL per dimension, sorted: ${a.activeDimensions} of ${a.latentDim} carry more than ${a.activeThreshold} nats for this digit${model}. Σ = ${fmt(a.kl)} nats.`;
  prior($('explain-prior'), order[0], order[1], a, sigma);
  $('explain-prior-caption').textContent = `z${order[0]} against z${order[1]}: grey, ${PRIOR_DRAWS} draws of N(0, I); blue, the ${a.draws.length} draws z ~ q(z|x); ★ μ`;
  if (map.projection && typeof map.toPlane === 'function') map.mark('explained', map.toPlane(a.mu));

  info.textContent = `Model ${a.modelVersion}, ${a.likelihood} likelihood, β = ${a.beta}; ${a.draws.length} draws of ε (seed ${a.seed}), IWAE over k = ${a.k}. ★ marks μ on the latent map.`;
  equations(katex, a, draw);
}

function strip(a) {
  const box = $('explain-strip');
  box.replaceChildren(...a.draws.map((d, i) => {
    const c = document.createElement('canvas');
    c.width = SIDE * 2;
    c.height = SIDE * 2;
    c.className = `pixelated${i === current ? ' current' : ''}`;
    c.setAttribute('role', 'button');
    c.setAttribute('aria-label', `Draw ${i + 1}: Σ(x − x̂)² = ${fmt(d.squaredError)}`);
    c.tabIndex = 0;
    drawDigit(c, d.decoded);
    const choose = () => { current = i; render(); };
    c.addEventListener('click', choose);
    c.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); choose(); } });
    return c;
  }));
  box.dataset.draws = String(a.draws.length);
}

const ROW = 18;
const LABEL = 30;

function sizeRows(canvas, rows, width) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round((rows * ROW + 18) * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${rows * ROW + 18}px`;
  const c = canvas.getContext('2d');
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  c.clearRect(0, 0, width, rows * ROW + 18);
  c.font = '10px ui-monospace, monospace';
  c.textBaseline = 'middle';
  return c;
}

/** An axis from −range to range on the row area of a canvas, with ticks labelled at the bottom. */
function axis(c, width, rows, range, withLabels) {
  const x0 = withLabels ? LABEL : 4;
  const scale = (v) => x0 + ((Math.max(-range, Math.min(range, v)) + range) / (2 * range)) * (width - x0 - 4);
  c.strokeStyle = '#ccd';
  c.beginPath();
  c.moveTo(scale(0), 0); c.lineTo(scale(0), rows * ROW);
  c.stroke();
  c.fillStyle = '#667';
  c.textAlign = 'center';
  for (const t of [-range, 0, range]) c.fillText(String(t), scale(t), rows * ROW + 9);
  return scale;
}

function drawMuSigma(canvas, dims, mu, sigma, width) {
  const c = sizeRows(canvas, dims.length, width);
  const scale = axis(c, width, dims.length, 3, true);
  dims.forEach((j, r) => {
    const y = r * ROW + ROW / 2;
    c.fillStyle = '#e6e8ef';
    c.fillRect(scale(-1), y - 6, scale(1) - scale(-1), 12);
    c.fillStyle = ACCENT;
    c.globalAlpha = 0.45;
    c.fillRect(scale(mu[j] - sigma[j]), y - 4, Math.max(1, scale(mu[j] + sigma[j]) - scale(mu[j] - sigma[j])), 8);
    c.globalAlpha = 1;
    c.fillStyle = '#111';
    c.fillRect(scale(mu[j]) - 1, y - 6, 2, 12);
    c.fillStyle = '#445';
    c.textAlign = 'left';
    c.fillText(`z${j}`, 2, y);
  });
}

function drawBars(canvas, dims, values, range, width) {
  const c = sizeRows(canvas, dims.length, width);
  const scale = axis(c, width, dims.length, range, false);
  dims.forEach((j, r) => {
    const y = r * ROW + ROW / 2;
    c.fillStyle = values[j] >= 0 ? '#2f9e44' : '#e8590c';
    const [a, b] = [scale(0), scale(values[j])];
    c.fillRect(Math.min(a, b), y - 4, Math.max(1, Math.abs(b - a)), 8);
  });
}

function drawZ(canvas, dims, mu, sigma, draws, chosen, width) {
  const c = sizeRows(canvas, dims.length, width);
  const scale = axis(c, width, dims.length, 3, false);
  dims.forEach((j, r) => {
    const y = r * ROW + ROW / 2;
    c.fillStyle = '#e6e8ef';
    c.fillRect(scale(mu[j] - sigma[j]), y - 6, Math.max(1, scale(mu[j] + sigma[j]) - scale(mu[j] - sigma[j])), 12);
    c.fillStyle = ACCENT;
    c.globalAlpha = 0.3;
    for (const d of draws) c.fillRect(scale(d.z[j]) - 1, y - 4, 2, 8);
    c.globalAlpha = 1;
    c.fillStyle = '#111';
    c.beginPath();
    c.arc(scale(draws[chosen].z[j]), y, 3.5, 0, 7);
    c.fill();
  });
}

/** (x − x̂)² per pixel, black (0) through red to yellow (1). */
function heat(canvas, x, decoded) {
  const c = canvas.getContext('2d');
  const image = c.createImageData(SIDE, SIDE);
  for (let i = 0; i < SIDE * SIDE; i++) {
    const v = Math.min(1, (x[i] - decoded[i]) ** 2);
    const t = Math.sqrt(v);
    image.data[i * 4] = Math.round(255 * Math.min(1, t * 2));
    image.data[i * 4 + 1] = Math.round(255 * Math.max(0, t * 2 - 1));
    image.data[i * 4 + 2] = 0;
    image.data[i * 4 + 3] = 255;
  }
  const scratch = document.createElement('canvas');
  scratch.width = SIDE;
  scratch.height = SIDE;
  scratch.getContext('2d').putImageData(image, 0, 0);
  c.imageSmoothingEnabled = false;
  c.drawImage(scratch, 0, 0, canvas.width, canvas.height);
}

function drawKl(canvas, order, kl, threshold) {
  const width = 300;
  const height = 120;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const c = canvas.getContext('2d');
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  c.clearRect(0, 0, width, height);
  const top = Math.max(...kl, 1e-6);
  const bar = (width - 30) / order.length;
  c.font = '10px ui-monospace, monospace';
  c.fillStyle = '#667';
  c.textAlign = 'right';
  c.textBaseline = 'middle';
  c.fillText(top.toFixed(2), 26, 6);
  c.fillText('0', 26, height - 12);
  order.forEach((j, i) => {
    const h = (kl[j] / top) * (height - 20);
    c.fillStyle = kl[j] > threshold ? ACCENT : '#bbc';
    c.fillRect(30 + i * bar, height - 12 - h, Math.max(1, bar - 1), Math.max(h, 1));
  });
  c.textAlign = 'left';
  c.fillText('dimensions, largest KL first', 30, height - 4);
}

/** A deterministic normal draw (Box–Muller over a small LCG) so the grey cloud does not flicker between renders. */
function priorDraws(n) {
  let s = 12345;
  const uniform = () => { s = (s * 1103515245 + 12345) % 2147483648; return (s + 1) / 2147483649; };
  return Array.from({ length: n }, () => {
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    return [r * Math.cos(t), r * Math.sin(t)];
  });
}

const PRIOR = priorDraws(PRIOR_DRAWS);

function prior(canvas, a1, a2, a, sigma) {
  const size = 200;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(size * ratio);
  canvas.height = Math.round(size * ratio);
  const c = canvas.getContext('2d');
  c.setTransform(ratio, 0, 0, ratio, 0, 0);
  c.fillStyle = '#fbfbfd';
  c.fillRect(0, 0, size, size);
  const range = Math.max(3.5, Math.abs(a.mu[a1]) + 3 * sigma[a1], Math.abs(a.mu[a2]) + 3 * sigma[a2]);
  const px = (v) => size / 2 + (v / range) * (size / 2 - 6);
  const py = (v) => size / 2 - (v / range) * (size / 2 - 6);
  c.strokeStyle = '#dde';
  c.beginPath();
  c.moveTo(0, py(0)); c.lineTo(size, py(0)); c.moveTo(px(0), 0); c.lineTo(px(0), size);
  c.stroke();
  c.fillStyle = '#99a';
  for (const [u, v] of PRIOR) c.fillRect(px(u) - 1, py(v) - 1, 2, 2);
  c.strokeStyle = ACCENT;
  c.beginPath();
  c.ellipse(px(a.mu[a1]), py(a.mu[a2]), Math.max(1, (sigma[a1] / range) * (size / 2 - 6)), Math.max(1, (sigma[a2] / range) * (size / 2 - 6)), 0, 0, 7);
  c.stroke();
  c.fillStyle = ACCENT;
  for (const d of a.draws) { c.beginPath(); c.arc(px(d.z[a1]), py(d.z[a2]), 2.5, 0, 7); c.fill(); }
  c.fillStyle = '#111';
  star(c, px(a.mu[a1]), py(a.mu[a2]), 7);
}

function star(c, x, y, r) {
  c.beginPath();
  for (let i = 0; i < 10; i++) {
    const t = (Math.PI / 5) * i - Math.PI / 2;
    const rr = i % 2 ? r * 0.45 : r;
    c.lineTo(x + rr * Math.cos(t), y + rr * Math.sin(t));
  }
  c.closePath();
  c.fill();
}

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(2)).replace('-', '−');
const tex = (v) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(2));

/** The derivation's equations with this digit's numbers; each line a caption and a typeset formula. */
function equations(katex, a, draw) {
  const d = a.latentDim;
  const s = a.draws.length;
  const mean = (f) => a.draws.reduce((sum, x) => sum + f(x), 0) / s;
  const recon = mean((x) => x.reconstruction);
  const squared = mean((x) => x.squaredError);
  const likelihoodLine = {
    gaussian: [
      `Decoder p(x|z) = N(x̂, ½·I): its log-density is minus the squared error minus a constant (${s} draws' mean)`,
      String.raw`\log p(x\mid z) = -\sum_{i=1}^{784}(x_i-\hat x_i)^2 - \tfrac{784}{2}\ln\pi = -${tex(squared)} - ${tex(a.logLikelihoodConstant)} = ${tex(a.meanLogLikelihood)}`,
    ],
    bernoulli: [
      `Decoder p(x|z) = Bernoulli(x̂): its log-density is minus the summed cross-entropy (${s} draws' mean)`,
      String.raw`\log p(x\mid z) = \sum_{i=1}^{784} x_i\ln\hat x_i + (1-x_i)\ln(1-\hat x_i) = ${tex(a.meanLogLikelihood)}`,
    ],
    calibrated: [
      `Calibrated decoder (σ-VAE) p(x|z) = N(x̂, σ²I) with σ² the mean squared error of the ${s} draws`,
      String.raw`\log p(x\mid z) = -\frac{\sum_i (x_i-\hat x_i)^2}{2\sigma^2} - \tfrac{784}{2}\ln 2\pi\sigma^2,\quad \sigma^2 = ${(a.decoderVariance ?? 0).toPrecision(3)},\quad = ${tex(a.meanLogLikelihood)}`,
    ],
  }[a.likelihood] ?? ['Decoder', String.raw`\log p(x\mid z) = ${tex(a.meanLogLikelihood)}`];
  const reconName = a.likelihood === 'bernoulli' ? String.raw`\textstyle\sum_i \mathrm{BCE}(x_i,\hat x_i)` : a.likelihood === 'calibrated' ? String.raw`-\log p(x\mid z)` : String.raw`\textstyle\sum_i (x_i-\hat x_i)^2`;
  const lines = [
    ['The encoder gives a Gaussian over z for this x', String.raw`q(z\mid x) = \mathcal N\!\big(\mu,\ \operatorname{diag}\sigma^2\big),\qquad \mu,\ \log\sigma^2 = \operatorname{encoder}(x)\in\mathbb R^{${d}}`],
    [`Reparameterisation: draw ${current + 1} of ${s}`, String.raw`z = \mu + \sigma\odot\varepsilon,\qquad \varepsilon\sim\mathcal N(0, I),\qquad \lVert\varepsilon\rVert = ${tex(norm(draw.epsilon))},\ \lVert z\rVert = ${tex(norm(draw.z))}`],
    ['KL to the prior, in closed form', String.raw`\mathrm{KL}\big(q(z\mid x)\,\|\,\mathcal N(0,I)\big) = -\tfrac12\sum_{j=1}^{${d}}\big(1+\log\sigma_j^2-\mu_j^2-\sigma_j^2\big) = ${tex(a.kl)}`],
    likelihoodLine,
    ['The loss as trained (mean over the draws)', String.raw`\mathcal L = \underbrace{${reconName}}_{${tex(recon)}} + \beta\cdot\mathrm{KL} = ${tex(recon)} + ${a.beta}\cdot ${tex(a.kl)} = ${tex(a.meanLoss)}`],
    ['The evidence lower bound (mean over the draws)', String.raw`\mathrm{ELBO} = \mathbb E_{q}\big[\log p(x\mid z)\big] - \mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big) = ${tex(a.meanLogLikelihood)} - ${tex(a.kl)} = ${tex(a.meanElbo)}`],
    [`Importance-weighted bound over k = ${a.k} draws: tends to log p(x) as k grows`, String.raw`\mathrm{IWAE}_{${a.k}} = \log\frac{1}{${a.k}}\sum_{i=1}^{${a.k}}\frac{p(x\mid z_i)\,p(z_i)}{q(z_i\mid x)} = ${tex(a.iwaeK)}`],
    [`The identity the derivation rests on, every term measured (ELBO over the same ${a.k} draws)`, String.raw`\underbrace{\log p(x)}_{\approx\ \mathrm{IWAE}_{${a.k}}\ =\ ${tex(a.iwaeK)}} \;-\; \underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z\mid x)\big)}_{\approx\ \text{gap}\ =\ ${tex(a.gap)}} \;=\; \underbrace{\mathbb E_q[\log p(x\mid z)] - \mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\mathrm{ELBO}\ =\ ${tex(a.elboK)}}`],
  ];
  const box = $('explain-equations');
  box.replaceChildren(...lines.map(([caption, formula]) => {
    const item = document.createElement('div');
    item.className = formula.includes('underbrace{\\log p(x)}') ? 'equation identity' : 'equation';
    const text = document.createElement('p');
    text.className = 'muted small';
    text.textContent = caption;
    const math = document.createElement('div');
    math.className = 'formula';
    // katex.render builds DOM nodes and sets their styles through CSSOM: allowed by a CSP without 'unsafe-inline'.
    if (katex) katex.render(formula, math, { displayMode: true, throwOnError: false, output: 'htmlAndMathml' });
    else math.textContent = formula;
    item.append(text, math);
    return item;
  }));
  box.dataset.rendered = katex ? 'katex' : 'text';
  $('explain-gap').textContent = `log p(x) ≈ ${fmt(a.iwaeK)}, ELBO = ${fmt(a.elboK)}, gap ≈ KL(q(z|x) ‖ p(z|x)) ≈ ${fmt(a.gap)} nats (k = ${a.k}; a larger k tightens it).`;
}

const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
