// Training panel: the run form with per-field errors, start and cancel, the API key field, and the
// status feed (the event stream, or polling GET /train where the stream is refused). Progress and
// chart live in progress.js, the run history in runs.js.

import { ApiError, del, getApiKey, getJson, postJson, setApiKey, showError } from './api.js';
import { $, every, whilePageShown } from './dom.js';
import { ACTIVE, showProgress } from './progress.js';
import { loadRuns } from './runs.js';
import { store } from './store.js';

const form = $('train-form');
const formError = $('train-error');
const cancelButton = $('train-cancel');
const startButton = $('train-start');

let lastState = null;
let events = null;
let stopPolling = null;

export async function initTraining() {
  form.addEventListener('submit', (e) => { e.preventDefault(); start(); });
  form.addEventListener('input', (e) => clearFieldError(e.target.name));
  cancelButton.addEventListener('click', cancel);
  const key = $('api-key');
  key.value = getApiKey();
  key.addEventListener('change', () => setApiKey(key.value));
  const status = await getJson('/train');
  await update(status);
  await loadRuns();
  connect();
  whilePageShown(connect, disconnect);
}

function connect() {
  disconnect();
  events = new EventSource('/train/events');
  events.addEventListener('status', (e) => {
    update(JSON.parse(e.data)).catch((error) => showError(formError, error));
  });
  events.addEventListener('open', () => $('train-state').classList.remove('stale'));
  events.addEventListener('error', () => {
    // EventSource reconnects by itself after a dropped connection; say so rather than show a frozen
    // status. A refused stream (e.g. 401 where reads need a key, which EventSource cannot send) is
    // closed for good: poll GET /train instead, which does carry the key.
    $('train-state').classList.add('stale');
    if (events?.readyState === EventSource.CLOSED) poll();
  });
}

/** Closes the stream and stops polling (the page is put away, or a new stream replaces them). */
function disconnect() {
  events?.close();
  events = null;
  stopPolling?.();
  stopPolling = null;
}

function poll() {
  $('train-state').classList.remove('stale');
  events?.close();
  events = null;
  if (stopPolling) return;
  stopPolling = every(1000, () => {
    getJson('/train').then(update).catch((error) => showError(formError, error));
  });
}

function readForm() {
  const body = {};
  for (const element of form.querySelectorAll('input, select')) {
    if ('notAParameter' in element.dataset) continue;
    const raw = element.value.trim();
    if (raw === '') continue;
    if (element.type === 'number') {
      // Send what was typed; the server owns validation and says what is allowed.
      const number = Number(raw);
      body[element.name] = Number.isFinite(number) ? number : raw;
    } else {
      body[element.name] = raw;
    }
  }
  return body;
}

async function start() {
  clearFieldErrors();
  showError(formError, null);
  startButton.disabled = true;
  try {
    const status = await postJson('/train', readForm());
    await update(status);
    await loadRuns();
  } catch (error) {
    if (error instanceof ApiError && Object.keys(error.fieldErrors).length) {
      for (const [field, messages] of Object.entries(error.fieldErrors)) setFieldError(field, messages.join(' '));
    }
    showError(formError, error);
    keyHint(error);
  } finally {
    startButton.disabled = ACTIVE.has(lastState);
  }
}

async function cancel() {
  showError(formError, null);
  try {
    await update(await del('/train'));
  } catch (error) {
    showError(formError, error);
    keyHint(error);
  }
}

/** A 401 means this server protects training control with a key: point at the field for it. */
function keyHint(error) {
  if (!(error instanceof ApiError) || error.status !== 401) return;
  formError.textContent += ' Type the key in the API key field.';
  $('api-key').focus();
}

function fieldElement(field) {
  return [...form.elements].find((e) => e.name && e.name.toLowerCase() === field.toLowerCase());
}

function setFieldError(field, message) {
  const input = fieldElement(field);
  if (!input) return;
  const id = `error-${input.name}`;
  let note = document.getElementById(id);
  if (!note) {
    note = document.createElement('span');
    note.id = id;
    note.className = 'field-error';
    input.closest('label').append(note);
  }
  note.textContent = message;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
}

function clearFieldError(name) {
  if (!name) return;
  document.getElementById(`error-${name}`)?.remove();
  const input = fieldElement(name);
  input?.removeAttribute('aria-invalid');
  input?.removeAttribute('aria-describedby');
}

function clearFieldErrors() {
  for (const element of form.elements) if (element.name) clearFieldError(element.name);
}

async function update(status) {
  const previous = lastState;
  lastState = status.state;
  const active = ACTIVE.has(status.state);
  cancelButton.disabled = !active;
  startButton.disabled = active;
  store.setModelVersion(status.modelVersion);
  await showProgress(status, (error) => showError(formError, error));
  if (previous && previous !== status.state) await loadRuns();
}
