// The page's one DOM helper module: element lookup, small element builders, and timers that stop
// when the page is put away (and start again if it comes back from the back/forward cache).

export const $ = (id) => document.getElementById(id);

/** A new element with a class name and text or children. */
export function el(tag, { className, text } = {}, ...children) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text != null) element.textContent = String(text);
  element.append(...children);
  return element;
}

/**
 * Runs `fn` every `ms` while the page is shown. Returns a stop function; the interval is also
 * cleared when the page is hidden for good or cached, and set again when a cached page returns.
 */
export function every(ms, fn) {
  let timer = setInterval(fn, ms);
  const hide = () => { clearInterval(timer); timer = null; };
  const show = (e) => { if (e.persisted && timer === null) timer = setInterval(fn, ms); };
  window.addEventListener('pagehide', hide);
  window.addEventListener('pageshow', show);
  return () => {
    hide();
    window.removeEventListener('pagehide', hide);
    window.removeEventListener('pageshow', show);
  };
}

/** Calls `close` when the page is put away and `open` when a cached page is shown again. */
export function whilePageShown(open, close) {
  window.addEventListener('pagehide', close);
  window.addEventListener('pageshow', (e) => { if (e.persisted) open(); });
}
