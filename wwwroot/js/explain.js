// "One digit through the VAE": POST /explain for a test digit, a map pick or the drawing, drawn as the
// derivation's pipeline x → encoder → μ, σ → ε → z = μ + σ ⊙ ε → decoder → x̂, with every term measured
// and the equations typeset by KaTeX. KaTeX (≈300 kB with its fonts) is loaded only when the panel
// first shows a digit, so the page's first load stays small.

import { getJson, postBlob, postJson, showError } from './api.js';
import { blank, drawDigit, SIDE } from './pixels.js';
import { drawBars, drawKl, drawMuSigma, drawZ, heat, prior, PRIOR_DRAWS } from './explain-charts.js';
import { equations } from './explain-equations.js';
import { map } from './latent.js';
import { store } from './store.js';
import { $ } from './dom.js';

const panel = $('explain');
const form = $('explain-form');
const error = $('explain-error');
const info = $('explain-info');

/** Dimensions shown by default (most active first), half of a small latent; the button shows all of them. */
const TOP_DIMENSIONS = 12;
const shownByDefault = (latentDim) => Math.min(TOP_DIMENSIONS, Math.ceil(latentDim / 2));

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
  equations($('explain-equations'), katex, a, current);
  $('explain-gap').textContent = `log p(x) ≈ ${fmt(a.iwaeK)}, ELBO = ${fmt(a.elboK)}, gap ≈ KL(q(z|x) ‖ p(z|x)) ≈ ${fmt(a.gap)} nats (k = ${a.k}; a larger k tightens it).`;
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

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(2)).replace('-', '−');
