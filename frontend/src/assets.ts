// The assets the picker offers and the chart spans, and how both live in the page's URL (`?asset=BTC&span=7d`).
import { AssetSymbol } from '@barometer/schemas/api';

/** A fixed list: the gateway tracks any symbol items carry, but these are the ones people ask for. */
export const PICKER_ASSETS = ['BTC', 'ETH', 'SOL', 'XRP', 'BNB', 'DOGE', 'ADA', 'SPX', 'NDX'] as const;

export const CHART_SPANS = ['24h', '7d', '30d'] as const;
export type ChartSpan = (typeof CHART_SPANS)[number];

export interface Selection {
  /** Null = overall (every item). */
  asset: AssetSymbol | null;
  span: ChartSpan;
}

function isSpan(value: string | null): value is ChartSpan {
  return CHART_SPANS.some((span) => span === value);
}

/** Reads the selection from a query string; anything unrecognised falls back to overall / 24 h. */
export function readSelection(search: string): Selection {
  const params = new URLSearchParams(search);
  const asset = AssetSymbol.safeParse(params.get('asset')?.toUpperCase());
  const span = params.get('span');
  return { asset: asset.success ? asset.data : null, span: isSpan(span) ? span : '24h' };
}

/** The query string for a selection, defaults left out so the plain URL stays plain. */
export function selectionSearch(selection: Selection): string {
  const params = new URLSearchParams();
  if (selection.asset) params.set('asset', selection.asset);
  if (selection.span !== '24h') params.set('span', selection.span);
  const search = params.toString();
  return search ? `?${search}` : '';
}
