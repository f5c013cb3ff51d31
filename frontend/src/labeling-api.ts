// The labeling API with the annotator's Bearer token: every JSON answer is parsed against its schema,
// and every failure becomes a value the view can show (a rejected token is told apart so it can ask again).
import type { LabelFormat } from '@barometer/schemas/api';
import type { ResponseSchema } from './api-client.ts';

export type LabelingResult<T> = { ok: true; data: T } | { ok: false; reason: string; unauthorized?: boolean };

export interface Credentials {
  token: string;
  annotator: string;
}

const TOKEN_KEY = 'barometer.labelToken';
const ANNOTATOR_KEY = 'barometer.annotator';

/** The token lives for the tab (sessionStorage); the annotator's name is remembered (localStorage). */
export function loadCredentials(): Partial<Credentials> {
  try {
    return { token: sessionStorage.getItem(TOKEN_KEY) ?? undefined, annotator: localStorage.getItem(ANNOTATOR_KEY) ?? undefined };
  } catch {
    return {};
  }
}

export function saveCredentials(c: Partial<Credentials>): void {
  try {
    if (c.token === undefined) sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, c.token);
    if (c.annotator !== undefined) localStorage.setItem(ANNOTATOR_KEY, c.annotator);
  } catch {
    // Storage can be off (private mode); the view still works for this page load.
  }
}

async function send(path: string, token: string, init: RequestInit = {}): Promise<Response | LabelingResult<never>> {
  try {
    return await fetch(path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  } catch {
    return { ok: false, reason: 'network error' };
  }
}

function failure(res: Response): LabelingResult<never> {
  if (res.status === 401) return { ok: false, reason: 'the token was not accepted', unauthorized: true };
  if (res.status === 404) return { ok: false, reason: 'labeling is not enabled on this server (BAROMETER_LABEL_TOKEN)' };
  return { ok: false, reason: `HTTP ${res.status}` };
}

export async function labelingJson<T>(path: string, token: string, schema: ResponseSchema<T>, init: RequestInit = {}): Promise<LabelingResult<T>> {
  const res = await send(path, token, { ...init, headers: { accept: 'application/json', ...init.headers } });
  if (!(res instanceof Response)) return res;
  if (!res.ok) return failure(res);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    console.warn(`barometer: unexpected response from ${path}`, parsed.error.issues);
    return { ok: false, reason: 'unexpected response' };
  }
  return { ok: true, data: parsed.data };
}

/** Fetches an export with the token and hands it to the browser as a download. */
export async function downloadExport(token: string, format: LabelFormat): Promise<LabelingResult<string>> {
  const res = await send(`/api/v1/labels/export?format=${format}`, token);
  if (!(res instanceof Response)) return res;
  if (!res.ok) return failure(res);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `barometer-labels.${format}`;
  const url = URL.createObjectURL(await res.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return { ok: true, data: name };
}

/** The export format a file's name suggests. */
export function formatOfFile(name: string): LabelFormat {
  if (/\.jsonl$|\.ndjson$/i.test(name)) return 'jsonl';
  if (/\.json$/i.test(name)) return 'label-studio';
  return 'csv';
}
