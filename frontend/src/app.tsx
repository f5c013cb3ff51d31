// The dashboard layout: the selection (asset, span) from the URL, one socket feed for the selected
// room, fanned out to the gauge, the chart, the headlines, "why it moved", freshness and the model box.
// `?view=label` (or /label) shows the labeling view instead.
import { useState } from 'react';
import { AssetPicker } from './asset-picker.tsx';
import { CHART_SPANS } from './assets.ts';
import { ConnectionIndicator } from './connection-indicator.tsx';
import { DriftBadge } from './drift-badge.tsx';
import { HeadlineList } from './headline-list.tsx';
import { LabelingView, labelViewRequested } from './labeling-view.tsx';
import { viewerTimeZone } from './local-time.ts';
import { ModelCompare } from './model-compare.tsx';
import { ScoreBox } from './score-box.tsx';
import { SENTIMENT_CLASSES } from './sentiment-class.ts';
import { SentimentChart } from './sentiment-chart.tsx';
import { SentimentGauge } from './sentiment-gauge.tsx';
import { SourceFreshness } from './source-freshness.tsx';
import { ThemeToggle } from './theme-toggle.tsx';
import { useSelection } from './use-selection.ts';
import { useSentimentSocket } from './use-sentiment-socket.ts';
import { useTheme } from './use-theme.ts';
import { WhyPanel } from './why-panel.tsx';

const SPAN_WORDS = { '24h': '24 h', '7d': '7 d', '30d': '30 d' } as const;

export function App() {
  // The view is fixed for the page's life: switching is a navigation.
  const [labeling] = useState(() => labelViewRequested());
  return labeling ? <LabelingView /> : <Dashboard />;
}

function Dashboard() {
  const [selection, select] = useSelection();
  const { asset, span } = selection;
  const feed = useSentimentSocket(asset);
  const theme = useTheme();
  const [showVolume, setShowVolume] = useState(true);
  const subject = asset ?? 'all assets';
  const { room } = feed;

  return (
    <div className="page">
      <a className="skip-link" href="#dashboard">
        Skip to the dashboard
      </a>
      <header className="masthead">
        <div className="masthead-text">
          <h1>Barometer</h1>
          <p className="subtitle">Live sentiment of crypto &amp; finance news</p>
        </div>
        <div className="masthead-controls">
          <DriftBadge alert={feed.driftAlert} />
          <ConnectionIndicator state={feed.connection} lastEventAt={feed.lastEventAt} />
          <ThemeToggle choice={theme.choice} onChange={theme.setChoice} />
        </div>
      </header>

      <nav className="picker-bar" aria-label="Asset">
        <AssetPicker asset={asset} onChange={(next) => select({ asset: next })} />
      </nav>

      <main id="dashboard" className="grid" tabIndex={-1} data-asset={asset ?? ''}>
        <section className="card gauge-card" aria-labelledby="gauge-title">
          <h2 id="gauge-title">Index · {subject} · 24 h</h2>
          <SentimentGauge value={room.current} compare={room.compare} subject={subject} status={room.status} />
          {room.status === 'partial' && <p className="muted small">Live updates for {asset} are unavailable; numbers as of page load.</p>}
        </section>

        <section className="card chart-card" aria-labelledby="chart-title">
          <div className="card-head">
            <h2 id="chart-title">Rolling 24 h index · last {SPAN_WORDS[span]}</h2>
            <div className="card-tools">
              <fieldset className="segmented span-picker" data-testid="span-picker">
                <legend className="visually-hidden">Chart span</legend>
                {CHART_SPANS.map((value) => (
                  <label key={value} className="segment">
                    <input
                      type="radio"
                      name="span"
                      value={value}
                      checked={span === value}
                      onChange={() => select({ span: value })}
                      data-testid={`span-${value}`}
                    />
                    <span>{SPAN_WORDS[value]}</span>
                  </label>
                ))}
              </fieldset>
              <label className="check">
                <input type="checkbox" checked={showVolume} onChange={(e) => setShowVolume(e.target.checked)} />
                Volume
              </label>
            </div>
          </div>
          <SentimentChart asset={asset} span={span} feed={feed.series} epoch={feed.epoch} theme={theme.resolved} showVolume={showVolume} />
          <p className="chart-legend muted small">
            <span className="legend-line" aria-hidden="true" /> index <span className="legend-band" aria-hidden="true" /> 95 % range{' '}
            {showVolume && (
              <>
                <span className="legend-volume" aria-hidden="true" /> items per interval
              </>
            )}
          </p>
        </section>

        <section className="card why-card" aria-labelledby="why-title">
          <h2 id="why-title">Why it moved · {subject}</h2>
          <WhyPanel window={span} asset={asset} version={`${room.current?.n ?? ''}:${room.current?.value ?? ''}`} />
        </section>

        <section className="card headlines-card" aria-labelledby="headlines-title">
          <h2 id="headlines-title">Latest headlines · {subject}</h2>
          <HeadlineList items={room.items} loading={room.status === 'loading'} onSelectAsset={(next) => select({ asset: next })} />
        </section>

        <section className="card freshness-card" aria-labelledby="freshness-title">
          <h2 id="freshness-title">Sources</h2>
          <SourceFreshness items={room.items} />
        </section>

        <section className="card score-card" aria-labelledby="score-title">
          <h2 id="score-title">Try the model</h2>
          <ScoreBox />
        </section>

        <section className="card models-card" aria-labelledby="models-title">
          <h2 id="models-title">Compare models · {subject}</h2>
          <ModelCompare asset={asset} live={room.current} />
        </section>
      </main>

      <footer className="footnote">
        <p>
          Index = 50 × (mean score + 1) over the items of the window, one per story; each headline scores P(positive) − P(negative).
          The 95 % range is mean ± 1.96 standard errors.
        </p>
        <p>
          Classes:{' '}
          {SENTIMENT_CLASSES.map((c, i) => (
            <span key={c.words}>
              {i > 0 && ' · '}
              <span className={`tone-${c.tone}`}>{c.words}</span> {c.from}–{c.to}
            </span>
          ))}
          . Times in {viewerTimeZone}.
        </p>
      </footer>
    </div>
  );
}
