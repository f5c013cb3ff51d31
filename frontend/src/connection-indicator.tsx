// The connection pill in the header: live / reconnecting / stale, with how old the data is when not live.
import { formatRelative } from './local-time.ts';
import { useNow } from './use-now.ts';
import type { ConnectionState } from './use-sentiment-socket.ts';

const WORDS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stale: 'Stale',
};

export function ConnectionIndicator({ state, lastEventAt }: { state: ConnectionState; lastEventAt: number | null }) {
  const now = useNow(15_000);
  const age = state !== 'live' && lastEventAt !== null ? `, updated ${formatRelative(new Date(lastEventAt).toISOString(), now)}` : '';
  return (
    <p className={`connection connection-${state}`} data-testid="connection" data-state={state} role="status">
      <span className="connection-dot" aria-hidden="true" />
      {WORDS[state]}
      {age && <span className="connection-age">{age}</span>}
    </p>
  );
}
