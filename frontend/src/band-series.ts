// A lightweight-charts custom series that fills the area between `low` and `high`: the 95 % confidence
// band around the index line. Built on the custom series API because v5 has no built-in band series.
// https://tradingview.github.io/lightweight-charts/docs/plugins/custom_series
import {
  customSeriesDefaultOptions,
  type CustomData,
  type CustomSeriesOptions,
  type CustomSeriesPricePlotValues,
  type CustomSeriesWhitespaceData,
  type ICustomSeriesPaneRenderer,
  type ICustomSeriesPaneView,
  type PaneRendererCustomData,
  type PriceToCoordinateConverter,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';

export interface BandData extends CustomData<Time> {
  time: UTCTimestamp;
  low: number;
  high: number;
}

export interface BandSeriesOptions extends CustomSeriesOptions {
  fillColor: string;
}

type RenderTarget = Parameters<ICustomSeriesPaneRenderer['draw']>[0];

class BandRenderer implements ICustomSeriesPaneRenderer {
  private data: PaneRendererCustomData<Time, BandData> | null = null;
  private options: BandSeriesOptions | null = null;

  set(data: PaneRendererCustomData<Time, BandData>, options: BandSeriesOptions): void {
    this.data = data;
    this.options = options;
  }

  draw(target: RenderTarget, priceToY: PriceToCoordinateConverter): void {
    const { data, options } = this;
    if (!data || !options || !data.visibleRange) return;
    // One bar beyond each edge, so the fill reaches the edges of the pane.
    const from = Math.max(0, data.visibleRange.from - 1);
    const to = Math.min(data.bars.length, data.visibleRange.to + 1);
    target.useBitmapCoordinateSpace(({ context, horizontalPixelRatio: hr, verticalPixelRatio: vr }) => {
      context.fillStyle = options.fillColor;
      // Each run of consecutive bars with a band is one polygon: along `high`, then back along `low`.
      let run: { x: number; high: number; low: number }[] = [];
      const flush = () => {
        if (run.length > 0) {
          context.beginPath();
          run.forEach((p, i) => (i === 0 ? context.moveTo(p.x, p.high) : context.lineTo(p.x, p.high)));
          for (let i = run.length - 1; i >= 0; i--) context.lineTo(run[i]!.x, run[i]!.low);
          context.closePath();
          context.fill();
        }
        run = [];
      };
      for (let i = from; i < to; i++) {
        const bar = data.bars[i];
        const high = bar ? priceToY(bar.originalData.high) : null;
        const low = bar ? priceToY(bar.originalData.low) : null;
        if (!bar || high === null || low === null || !('high' in bar.originalData)) {
          flush();
          continue;
        }
        run.push({ x: bar.x * hr, high: high * vr, low: low * vr });
      }
      flush();
    });
  }
}

export class BandSeries implements ICustomSeriesPaneView<Time, BandData, BandSeriesOptions> {
  private readonly bandRenderer = new BandRenderer();

  renderer(): ICustomSeriesPaneRenderer {
    return this.bandRenderer;
  }

  update(data: PaneRendererCustomData<Time, BandData>, options: BandSeriesOptions): void {
    this.bandRenderer.set(data, options);
  }

  priceValueBuilder(row: BandData): CustomSeriesPricePlotValues {
    return [row.low, row.high, (row.low + row.high) / 2];
  }

  isWhitespace(data: BandData | CustomSeriesWhitespaceData<Time>): data is CustomSeriesWhitespaceData<Time> {
    return !('low' in data) || !('high' in data);
  }

  defaultOptions(): BandSeriesOptions {
    return { ...customSeriesDefaultOptions, fillColor: 'rgba(88, 166, 255, 0.15)' };
  }
}
