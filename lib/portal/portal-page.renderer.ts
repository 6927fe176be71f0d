/**
 * The portal's HTML: the page that loads the single-page UI, and the small pages that say why it cannot be
 * shown (a refused link, no sign-in). No inline script or style anywhere, so that the Content-Security-Policy
 * below can forbid both.
 */

/** The Content-Security-Policy of every portal response: same-origin resources only, no inline code, no eval. */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The headers of the portal's HTML and API responses. */
export const PORTAL_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': PORTAL_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // Links carry their token in the URL: never let it leave in a Referer.
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Pages and answers may hold a secret shown once, or another owner's view: never kept by a cache.
  'Cache-Control': 'no-store',
};

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** The page of the single-page UI, at `base` (the portal's path as routed, e.g. `/webhooks/portal`). */
export function renderPortalShell(options: {
  base: string;
  title: string;
  js: string;
  css: string;
  icon?: string;
}): string {
  const base = escapeHtml(options.base);
  const title = escapeHtml(options.title);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="${base}/assets/${escapeHtml(options.css)}">
${options.icon ? `<link rel="icon" href="${base}/assets/${escapeHtml(options.icon)}">\n` : ''}<script type="module" src="${base}/assets/${escapeHtml(options.js)}"></script>
</head>
<body>
<div id="app" data-base="${base}" data-title="${title}"><noscript>The webhooks portal needs JavaScript.</noscript></div>
</body>
</html>
`;
}

/**
 * A page with a message and nothing to run: a refused link, a missing sign-in, and the step after a link's
 * exchange (`next`: a `<meta http-equiv="refresh">` to the portal — a navigation from this origin, so that the
 * SameSite=Strict cookie just set goes with it even when the link was opened from another site).
 */
export function renderPortalMessage(options: {
  title: string;
  heading: string;
  message: string;
  css?: string;
  base: string;
  next?: string;
}): string {
  const base = escapeHtml(options.base);
  const next = options.next === undefined ? undefined : escapeHtml(options.next);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
${next ? `<meta http-equiv="refresh" content="0; url=${next}">\n` : ''}<title>${escapeHtml(options.title)}</title>
${options.css ? `<link rel="stylesheet" href="${base}/assets/${escapeHtml(options.css)}">\n` : ''}</head>
<body>
<main class="message-page">
<h1>${escapeHtml(options.heading)}</h1>
<p>${escapeHtml(options.message)}</p>
${next ? `<p><a href="${next}">Continue to the portal</a></p>\n` : ''}</main>
</body>
</html>
`;
}

/**
 * The portal's path for this request: the routed path without query or trailing slash (so any global
 * prefix is kept), or `fallback` when it does not look like one.
 */
export function portalBase(requestUrl: string | undefined, fallback: string): string {
  const path = (requestUrl ?? '').split(/[?#]/)[0].replace(/\/+$/, '');
  const tail = fallback.toLowerCase();
  return /^\/[A-Za-z0-9._~\-/]*$/.test(path) && !path.startsWith('//') && path.toLowerCase().endsWith(tail)
    ? path
    : fallback;
}
