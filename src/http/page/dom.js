// Helpers of the web page: the API with the token, elements built with textContent, the notice line.
// Everything a mail client sent (lines, subjects, addresses, user names) goes on the page as text,
// never parsed as HTML.

export const API = '/api/v1';

// With --http-token, open the page as http://HOST:PORT/#token=TOKEN; the token stays in this tab.
const hashToken = new URLSearchParams(location.hash.slice(1)).get('token');
if (hashToken) {
  sessionStorage.setItem('mailsandbox-token', hashToken);
  history.replaceState(null, '', location.pathname);
}
export const token = sessionStorage.getItem('mailsandbox-token');

export const $ = (id) => document.getElementById(id);

/** An element with text content and attributes; children are nodes or strings (as text). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'text') node.textContent = value;
    else if (key === 'className') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(API + path, { ...options, headers });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      message = (await res.json()).message || message;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(message);
  }
  return res;
}

export function notice(text, isError = false) {
  const p = $('notice');
  p.textContent = text;
  p.className = isError ? 'error' : '';
  p.hidden = !text;
}
