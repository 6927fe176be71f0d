import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { EventType, Session } from './types';

/** What every screen uses: the API client, who the page acts as, the event catalog, and the status line. */
export interface Portal {
  api: Api;
  session: Session;
  catalog: EventType[];
  /** Says something in the status line (a polite live region): the outcome of an action. */
  notify: (message: string, tone?: 'ok' | 'error') => void;
}

export const PortalContext = createContext<Portal | null>(null);

export function usePortal(): Portal {
  const portal = useContext(PortalContext);
  if (!portal) throw new Error('usePortal() outside <PortalContext.Provider>');
  return portal;
}
