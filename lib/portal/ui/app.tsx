import { useEffect, useRef, useState } from 'preact/hooks';
import { Api, type ApiError } from './api';
import { AttemptDetail } from './attempt-detail';
import { type Portal, PortalContext } from './context';
import { EndpointDetail } from './endpoint-detail';
import { EndpointForm } from './endpoint-form';
import { EndpointsList } from './endpoints-list';
import { EventTypes } from './event-types';
import { dateTime } from './format';
import { useRoute } from './hooks';
import type { EventType, Session } from './types';

const THEME_KEY = 'nestjs-webhooks-portal-theme';
type Theme = 'system' | 'light' | 'dark';

function applyTheme(theme: Theme): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

/** Light, dark, or as the system says (the default), remembered in this browser. */
function ThemePicker() {
  const [theme, setTheme] = useState<Theme>(() => (localStorage.getItem(THEME_KEY) as Theme | null) ?? 'system');
  useEffect(() => {
    applyTheme(theme);
    if (theme === 'system') localStorage.removeItem(THEME_KEY);
    else localStorage.setItem(THEME_KEY, theme);
  }, [theme]);
  return (
    <label class="theme">
      <span>Theme</span>
      <select value={theme} onChange={(e) => setTheme(e.currentTarget.value as Theme)}>
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}

/** What the page shows when it may not be used (no sign-in, a session that ended, left). */
function Closed(props: { title: string; message: string }) {
  return (
    <main class="message-page" id="main">
      <h1>{props.title}</h1>
      <p role="alert">{props.message}</p>
    </main>
  );
}

function Screen(props: { route: string[] }) {
  const [first, id, sub, attemptId] = props.route;
  if (first === undefined || (first === 'endpoints' && id === undefined)) return <EndpointsList />;
  if (first === 'new') return <EndpointForm />;
  if (first === 'event-types') return <EventTypes />;
  if (first === 'endpoints' && sub === undefined) return <EndpointDetail id={id} />;
  if (first === 'endpoints' && sub === 'edit') return <EndpointForm id={id} />;
  if (first === 'endpoints' && sub === 'attempts' && attemptId)
    return <AttemptDetail subscriptionId={id} attemptId={attemptId} />;
  return (
    <p>
      No such page. <a href="#/">Back to the endpoints</a>
    </p>
  );
}

export function App(props: { base: string; title: string }) {
  const [api] = useState(() => new Api(props.base));
  const [session, setSession] = useState<Session | null>(null);
  const [catalog, setCatalog] = useState<EventType[]>([]);
  const [closed, setClosed] = useState<{ title: string; message: string } | null>(null);
  const [status, setStatus] = useState<{ message: string; tone: 'ok' | 'error'; at: number } | null>(null);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    api.onUnauthorized = (error: ApiError) => setClosed({ title: 'Session ended', message: error.message });
    void Promise.all([api.get<Session>('session'), api.get<{ items: EventType[] }>('event-types')]).then(
      ([s, types]) => {
        api.csrfToken = s.csrfToken;
        setSession(s);
        setCatalog(types.items);
        document.title = s.title;
      },
      (error: ApiError) => setClosed({ title: 'Not signed in', message: error.message }),
    );
  }, []);

  useEffect(() => {
    // A new screen: focus its content, so that keyboard and screen-reader users start there.
    main.current?.focus({ preventScroll: true });
  }, [route.join('/')]);

  if (closed) return <Closed {...closed} />;
  if (!session)
    return (
      <p class="loading" aria-busy="true">
        Loading the portal…
      </p>
    );

  const portal: Portal = {
    api,
    session,
    catalog,
    notify: (message, tone = 'ok') => setStatus({ message, tone, at: Date.now() }),
  };
  const who = session.principal;
  const leave = () =>
    void api
      .send('DELETE', 'session')
      .then(() =>
        setClosed({ title: 'You have left the portal', message: 'Open your portal link again to come back.' }),
      );
  const current = route[0] ?? 'endpoints';
  return (
    <PortalContext.Provider value={portal}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="#/">
          {session.title}
        </a>
        <nav aria-label="Portal">
          <a href="#/" aria-current={current !== 'event-types' ? 'page' : undefined}>
            Endpoints
          </a>
          <a href="#/event-types" aria-current={current === 'event-types' ? 'page' : undefined}>
            Event types
          </a>
        </nav>
        <div class="who">
          <span>
            {session.mode === 'link' ? 'Portal link for ' : 'Signed in as '}
            <strong>{who.id}</strong>
            {who.isAdmin ? ' (administrator)' : ''}
            {who.scope && who.scope !== '/' ? ` · ${who.scope}` : ''}
            {session.expiresAt ? ` · until ${dateTime(session.expiresAt)}` : ''}
          </span>
          <ThemePicker />
          {session.mode === 'link' && (
            <button type="button" class="button small" onClick={leave}>
              Leave
            </button>
          )}
        </div>
      </header>
      <p class={`status ${status?.tone ?? ''}`} role="status" aria-live="polite">
        {status?.message ?? ''}
      </p>
      <main id="main" ref={main} tabIndex={-1}>
        <Screen route={route} />
      </main>
    </PortalContext.Provider>
  );
}
