/** The portal's client of its API: same-origin fetches, the CSRF header on changes, errors with their fields. */

export interface FieldError {
  field: string;
  reason: string;
}

/** An answer other than 2xx: its status, message and (for a 400) the fields at fault. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export class Api {
  csrfToken = '';
  /** Called when the session ends (401): the app shows why, instead of a broken page. */
  onUnauthorized: (error: ApiError) => void = () => undefined;

  constructor(readonly base: string) {}

  get<T>(path: string, query: Query = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    const search = params.toString();
    return this.request<T>('GET', search ? `${path}?${search}` : path);
  }

  send<T>(method: 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return this.request<T>(method, path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') headers['x-webhooks-csrf'] = this.csrfToken || 'portal';
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.base}/api/${path}`, {
        method,
        headers,
        credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, 'The server could not be reached. Check your connection and try again.');
    }
    if (response.status === 204) return undefined as T;
    const payload = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok) {
      const message =
        typeof payload?.message === 'string' ? payload.message : `${response.status} ${response.statusText}`;
      const fields = Array.isArray(payload?.errors) ? (payload.errors as FieldError[]) : [];
      const error = new ApiError(response.status, message, fields);
      if (response.status === 401) this.onUnauthorized(error);
      throw error;
    }
    return payload as T;
  }
}

/** The form field a server-side field path belongs to: `events[1]` → `events`, `metadata.a` → `metadata`. */
export const formFieldOf = (field: string): string => field.split(/[.[]/)[0];
