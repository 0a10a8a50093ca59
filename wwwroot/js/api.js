// Thin fetch wrappers: every non-2xx answer becomes an ApiError carrying the ProblemDetails body,
// so panels can show the server's own words (and per-field messages) instead of a generic failure.

export class ApiError extends Error {
  constructor(status, problem, path) {
    super(problem?.detail || problem?.title || `${path} answered ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.path = path;
  }

  /** Field name → messages, from a validation ProblemDetails. */
  get fieldErrors() {
    return this.problem.errors || {};
  }

  /** True when the server has no such endpoint (an older build), as opposed to a missing item. */
  get endpointMissing() {
    // Our own 404s say what is missing; the framework's bare status page only says "Not Found".
    return this.status === 404 && !this.problem.detail && (!this.problem.title || this.problem.title === 'Not Found');
  }
}

async function problemOf(response) {
  const type = response.headers.get('content-type') || '';
  if (type.includes('json')) {
    try { return await response.json(); } catch { return null; }
  }
  const text = await response.text().catch(() => '');
  return text ? { detail: text.slice(0, 300) } : null;
}

// The key for servers that protect training control (or reads) with X-Api-Key; empty sends none.
// Kept for this tab only, so a key typed on a shared machine does not outlive the session.
const KEY_STORAGE = 'vaeweb.apiKey';
let apiKey = sessionStorage.getItem(KEY_STORAGE) || '';

export function getApiKey() {
  return apiKey;
}

export function setApiKey(key) {
  apiKey = key || '';
  sessionStorage.setItem(KEY_STORAGE, apiKey);
}

async function send(path, init) {
  let response;
  if (apiKey) init.headers = { ...init.headers, 'X-Api-Key': apiKey };
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, { title: 'Network error', detail: `Could not reach the server (${e.message}).` }, path);
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response), path);
  }
  return response;
}

export async function getJson(path) {
  const response = await send(path, { headers: { Accept: 'application/json' } });
  return response.json();
}

export async function postJson(path, body) {
  const response = await send(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return response.status === 204 ? null : response.json();
}

export async function putJson(path, body) {
  const response = await send(path, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return response.status === 204 ? null : response.json();
}

/** Posts a binary body (a PNG of a drawing) and reads JSON back. */
export async function postBlob(path, blob) {
  const response = await send(path, {
    method: 'POST',
    headers: { 'Content-Type': blob.type || 'application/octet-stream', Accept: 'application/json' },
    body: blob,
  });
  return response.json();
}

export async function del(path) {
  const response = await send(path, { method: 'DELETE', headers: { Accept: 'application/json' } });
  return response.status === 204 ? null : response.json().catch(() => null);
}

/** A PNG as a Blob together with the model version that drew it. */
export async function getImage(path) {
  const response = await send(path, { headers: { Accept: 'image/png' } });
  return { blob: await response.blob(), modelVersion: response.headers.get('X-Model-Version') };
}

/** Shows an error in a panel's alert element; a null error hides it. */
export function showError(element, error) {
  if (!element) return;
  if (!error) {
    element.hidden = true;
    element.textContent = '';
    return;
  }
  element.hidden = false;
  element.textContent = describe(error);
}

export function describe(error) {
  if (error instanceof ApiError) {
    if (error.endpointMissing) {
      return `This server does not provide ${error.path.split('?')[0]} yet, so this panel cannot work.`;
    }
    if (error.status === 503) return error.message || 'No model yet: the first one is served when the first epoch ends.';
    const fields = Object.entries(error.fieldErrors).map(([, messages]) => messages.join(' '));
    return fields.length ? fields.join(' ') : error.message;
  }
  return error?.message || String(error);
}

/** " (loss L = recon R + KL K)" for the first image of a /reconstruct answer. */
export function lossText(answer) {
  const [loss, recon, kl] = [answer.loss?.[0], answer.reconstruction?.[0], answer.kl?.[0]];
  return Number.isFinite(loss) ? ` (loss ${loss.toFixed(1)} = recon ${recon.toFixed(1)} + KL ${kl.toFixed(1)})` : '';
}
