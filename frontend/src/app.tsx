// The dashboard layout: one socket feed fanned out to the gauge, the chart and the headline list.
import { ConnectionIndicator } from './connection-indicator.tsx';
import { HeadlineList } from './headline-list.tsx';
import { viewerTimeZone } from './local-time.ts';
import { SentimentChart } from './sentiment-chart.tsx';
import { SentimentGauge } from './sentiment-gauge.tsx';
import { useSentimentSocket } from './use-sentiment-socket.ts';

export function App() {
  const feed = useSentimentSocket();

  return (
    <div className="page">
      <header className="masthead">
        <div className="masthead-text">
          <h1>Barometer</h1>
          <p className="subtitle">Rolling 24 h sentiment of crypto &amp; finance news</p>
        </div>
        <ConnectionIndicator state={feed.connection} />
      </header>

      <main className="grid">
        <section className="card gauge-card" aria-labelledby="gauge-title">
          <h2 id="gauge-title">Sentiment index</h2>
          <SentimentGauge value={feed.current} />
        </section>

        <section className="card chart-card" aria-labelledby="chart-title">
          <h2 id="chart-title">Rolling 24 h index, per minute</h2>
          <SentimentChart feed={feed.series} />
        </section>

        <section className="card headlines-card" aria-labelledby="headlines-title">
          <h2 id="headlines-title">Latest headlines</h2>
          <HeadlineList items={feed.items} />
        </section>
      </main>

      <footer className="footnote">
        Index = 50 × (mean score + 1), where each headline scores P(positive) − P(negative). Times in{' '}
        {viewerTimeZone}.
      </footer>
    </div>
  );
}
