// A badge in the masthead while the model's predictions or inputs drift (PSI over its threshold):
// GET /api/v1/drift on load and every 15 minutes, and at once on a `drift:alert` from the socket.
import { DriftResponse } from '@barometer/schemas/api';
import type { DriftAlert } from '@barometer/schemas/socket';
import { useEffect, useState } from 'react';
import { getJson, isAbort } from './api-client.ts';

const REFRESH_MS = 15 * 60_000;
const FEATURE_WORDS = { label: 'predicted labels', length: 'headline lengths' } as const;

export function DriftBadge({ alert }: { alert: DriftAlert | null }) {
  const [drifted, setDrifted] = useState<readonly { feature: 'label' | 'length'; psi: number; threshold: number }[]>([]);

  useEffect(() => {
    const abort = new AbortController();
    const load = () =>
      getJson('/api/v1/drift', {}, DriftResponse, abort.signal).then(
        (r) => {
          if (r.ok) setDrifted(r.data.reports.flatMap((d) => (d.drifted && d.psi !== null ? [{ feature: d.feature, psi: d.psi, threshold: d.threshold }] : [])));
        },
        (err: unknown) => {
          if (!isAbort(err)) setDrifted([]);
        },
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      clearInterval(timer);
      abort.abort();
    };
  }, []);

  const shown = alert && !drifted.some((d) => d.feature === alert.feature) ? [...drifted, alert] : drifted;
  if (shown.length === 0) return null;
  const words = shown.map((d) => `${FEATURE_WORDS[d.feature]} (PSI ${d.psi.toFixed(2)} > ${d.threshold})`).join(', ');
  return (
    <p className="drift-badge" role="status" data-testid="drift-badge" title={`The last 24 h differ from the 7 days before: ${words}`}>
      <span aria-hidden="true">⚠</span> Model drift: {shown.map((d) => d.feature).join(', ')}
      <span className="visually-hidden">. The last 24 hours differ from the 7 days before: {words}.</span>
    </p>
  );
}
