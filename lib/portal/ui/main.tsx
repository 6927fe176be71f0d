import { render } from 'preact';
import { App } from './app';

// The server renders the portal's path into the page (data-base): the API is below it, whatever the global
// prefix and admin path are. No inline script: the Content-Security-Policy forbids it.
const root = document.getElementById('app');
if (root) {
  const theme = localStorage.getItem('nestjs-webhooks-portal-theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  root.textContent = '';
  render(<App base={root.dataset.base ?? ''} title={root.dataset.title ?? 'Webhooks'} />, root);
}
