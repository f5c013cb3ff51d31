// REST calls to the gateway: every response is parsed against its schema, and every failure (network,
// HTTP status, a body that does not match, an endpoint this gateway does not have yet) becomes a value
// the panel can show as "unavailable" instead of an exception.

/** The part of a zod schema used here; typed structurally so the frontend needs no direct zod dependency. */
export interface ResponseSchema<T> {
  safeParse(payload: unknown): { success: true; data: T } | { success: false; error: { issues: readonly unknown[] } };
}

export type ApiResult<T> = { ok: true; data: T } | { ok: false; reason: string };

type Query = Record<string, string | number | null | undefined>;

export function apiPath(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== null && value !== undefined) params.set(key, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function request<T>(url: string, schema: ResponseSchema<T>, init: RequestInit): Promise<ApiResult<T>> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers: { accept: 'application/json', ...init.headers } });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    return { ok: false, reason: 'network error' };
  }
  if (!res.ok) return { ok: false, reason: res.status === 404 ? 'not available on this server' : `HTTP ${res.status}` };
  let body: unknown;
  try {
    body = await res.json();
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    console.warn(`barometer: unexpected response from ${url}`, parsed.error.issues);
    return { ok: false, reason: 'unexpected response' };
  }
  return { ok: true, data: parsed.data };
}

/** GET; aborting `signal` rejects with the AbortError, which callers ignore (the view moved on). */
export function getJson<T>(path: string, query: Query, schema: ResponseSchema<T>, signal?: AbortSignal): Promise<ApiResult<T>> {
  return request(apiPath(path, query), schema, { signal });
}

export function postJson<T>(path: string, body: unknown, schema: ResponseSchema<T>, signal?: AbortSignal): Promise<ApiResult<T>> {
  return request(path, schema, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    signal,
  });
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}
