// Draw-a-digit panel: strokes on a canvas (mouse, pen or touch via pointer events); each finished
// stroke sends the drawing as a PNG to /reconstruct, which preprocesses it like MNIST, encodes and
// decodes it; the reconstruction is shown and the encoding μ is marked on the map.

import { lossText, postBlob, showError } from './api.js';
import { blank, drawDigit } from './pixels.js';
import { store } from './store.js';
import { $ } from './dom.js';

const canvas = $('draw-canvas');
const recon = $('draw-recon');
const input = $('draw-input');
const info = $('draw-info');
const error = $('draw-error');
let last = null;
let inked = false;
let sending = false;
let again = false;

export function initDraw() {
  clear();
  canvas.addEventListener('pointerdown', (e) => {
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    stroke(last, last);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!last) return;
    // Coalesced events keep fast strokes smooth instead of a chain of straight segments.
    for (const event of e.getCoalescedEvents?.() || [e]) {
      const next = point(event);
      stroke(last, next);
      last = next;
    }
  });
  const end = () => {
    if (!last) return;
    last = null;
    submit();
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  $('draw-clear').addEventListener('click', clear);
}

function point(e) {
  const rect = canvas.getBoundingClientRect();
  return { x: ((e.clientX - rect.left) / rect.width) * canvas.width, y: ((e.clientY - rect.top) / rect.height) * canvas.height };
}

function stroke(a, b) {
  const c = canvas.getContext('2d');
  c.strokeStyle = '#fff';
  c.fillStyle = '#fff';
  c.lineCap = 'round';
  c.lineJoin = 'round';
  c.lineWidth = Number($('draw-pen').value);
  c.beginPath();
  c.moveTo(a.x, a.y);
  c.lineTo(b.x + 0.01, b.y);
  c.stroke();
  inked = true;
}

function clear() {
  blank(canvas);
  blank(input);
  blank(recon);
  inked = false;
  info.textContent = 'Draw a digit.';
  showError(error, null);
  delete recon.dataset.modelVersion;
}

/** One request pair at a time; strokes finished meanwhile are sent together afterwards. */
async function submit() {
  if (!inked) return;
  if (sending) { again = true; return; }
  sending = true;
  try {
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    // /reconstruct answers with the encoding too (μ), so one round trip serves both the preview and the map.
    const answer = await postBlob('/reconstruct', blob);
    drawDigit(input, answer.inputs[0]);
    drawDigit(recon, answer.images[0]);
    recon.dataset.modelVersion = answer.modelVersion;
    info.textContent = `What the model saw (28×28, centred) and its reconstruction by model ${answer.modelVersion}${lossText(answer)}; marked ★ on the latent map.`;
    store.setDrawing({ blob, mu: answer.mu[0] });
    showError(error, null);
  } catch (e) {
    showError(error, e);
  } finally {
    sending = false;
    if (again) { again = false; submit(); }
  }
}
