// The connection pill in the header: a coloured dot and a word, announced politely to screen readers.
import type { ConnectionState } from './use-sentiment-socket.ts';

const WORDS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

export function ConnectionIndicator({ state }: { state: ConnectionState }) {
  return (
    <p className={`connection connection-${state}`} data-testid="connection" data-state={state} role="status">
      <span className="connection-dot" aria-hidden="true" />
      {WORDS[state]}
    </p>
  );
}
