// Asset tagging on real-style headlines and posts, including each disambiguation rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tagAssets } from './asset-tagger.ts';

const cases: Array<[string, string[], string?]> = [
  // Names, tickers, cashtags.
  ['Bitcoin tops $100,000 for the first time as ETF inflows surge', ['BTC']],
  ['Ether slides 8% as Ethereum gas fees hit yearly low', ['ETH']],
  ['$BTC $eth $SOL breaking out, $LINK next?', ['BTC', 'ETH', 'LINK', 'SOL']],
  ['BTC, ETH, SOL and XRP lead crypto rebound', ['BTC', 'ETH', 'SOL', 'XRP']],
  ['Solana memecoin frenzy pushes DEX volumes to record', ['SOL']],
  ['Ripple wins partial victory against SEC over XRP sales', ['XRP']],
  ['Bitcoin Cash and Ethereum Classic rally while Litecoin lags', ['BCH', 'ETC', 'LTC']],
  ['Shiba Inu burn rate spikes; Dogecoin follows', ['DOGE', 'SHIB']],
  ['Polygon swaps MATIC for POL token in network upgrade', ['POL']],
  ['$MATIC holders: the migration to POL is live', ['POL']],
  ['Toncoin jumps after Telegram integration of The Open Network', ['TON']],
  ['Cardano, Polkadot and Chainlink developers meet in Lisbon', ['ADA', 'DOT', 'LINK']],
  ['Uniswap fee switch vote passes; UNI token up 10%', ['UNI']],
  ['Arbitrum and Optimism see record layer-2 activity', ['ARB', 'OP']],
  ['Monero delisted from another exchange over privacy rules', ['XMR']],
  ['Hedera, Filecoin and Aptos among top gainers in crypto market', ['APT', 'FIL', 'HBAR']],
  ['NEAR Protocol launches chain abstraction stack', ['NEAR']],
  ['AVAX and SUI rally as altcoins catch a bid', ['AVAX', 'SUI']],
  ['SOL/USDT breaks resistance', ['SOL']],
  ['ETH-USD tests $4,000', ['ETH']],
  ['btc dominance climbing again, eth lagging', ['BTC', 'ETH']],
  ['Tether mints another $1 billion USDT; USD Coin supply flat', ['USDC', 'USDT']],
  ['Binance Coin (BNB) hits new all-time high', ['BNB']],
  // Indices.
  ['S&P 500, Nasdaq close at records as Dow Jones lags', ['DJI', 'IXIC', 'SPX']],
  ['Nasdaq 100 futures slip; Russell 2000 small caps outperform', ['NDX', 'RUT']],
  ['Stocks: the Dow drops 500 points, VIX spikes above 30', ['DJI', 'VIX']],
  ['FTSE 100 and DAX fall; CAC 40 flat; Euro Stoxx 50 down 1%', ['CAC', 'DAX', 'FTSE', 'SX5E']],
  ['Nikkei 225 hits record while Hang Seng Index slumps', ['HSI', 'N225']],
  ['$SPY puts printing today, $QQQ too', ['NDX', 'SPX']],
  // Disambiguation: ETH Zurich.
  ['ETH Zurich researchers build a new quantum sensor', []],
  ['Researchers at ETH Zürich report battery breakthrough', []],
  // LINK the word.
  ['Click the link in bio for our full market report', []],
  ['Study finds link between sleep and memory', []],
  ['Link your bank account to pay faster', []],
  ['LINK up 12% as Chainlink oracles go live on new chain', ['LINK']],
  ['Analysts link the sell-off to crypto tax rules', []],
  // NEAR the word.
  ['Bitcoin trades near $60,000 ahead of Fed decision', ['BTC']],
  ['Near-term outlook for stocks stays cautious', []],
  ['NEAR token jumps 20% on AI narrative', ['NEAR']],
  // TON and tons.
  ['Shipping rates per TON of cargo rise; tons of grain stuck at port', []],
  ['TON blockchain outage halts transactions for hours', ['TON']],
  // UNI the university, ADA the act, DOGE the department, DOT the department.
  ['UNI students protest tuition hikes', []],
  ['ADA compliance lawsuits against websites rise', []],
  ['DOGE cuts federal contracts worth $2 billion', []],
  ['US DOT proposes new airline refund rules', []],
  ['DOGE pumps after Musk tweet as memecoin traders pile in', ['DOGE']],
  // ETC and OP.
  ['Markets, bonds, FX, ETC: what to watch this week', []],
  ['OP is right, this coin is going to zero', []],
  ['$OP unlock next week: 31M tokens', ['OP']],
  // ATOM, SUI, PEPE, APT as words and names.
  ['ATOM smasher at CERN restarts after upgrade', []],
  ['Cosmos Hub votes to cut ATOM inflation', ['ATOM']],
  ['Sui Generis: a review of the exhibition', []],
  ['Pepe the Frog creator wins lawsuit', []],
  ['PEPE memecoin flips SHIB in daily volume', ['PEPE', 'SHIB']],
  ['APT prices rise in Manhattan as rents climb', []],
  // Words that are names of other things.
  ['Avalanche warning issued for the Alps', []],
  ['Stellar earnings from Nvidia lift the Nasdaq 2%', ['IXIC']],
  ['Nasdaq prices $600M of 0.875% senior notes', []],
  ['Morgan Stanley upgrades NVIDIA (NASDAQ: $NVDA) to Overweight', []],
  ['Australian Market Notably Lower - Nasdaq', []],
  ['SPX Flow confirms deal to sell power unit to Apollo', []],
  ['$SOL - ReneSola EPS beats by $0.01, beats on revenue', []],
  ['The ripple effect of rate cuts on housing', []],
  ['Disney announces new Tron movie', []],
  ['Polygon count doubles in new GPU benchmark', []],
  ['Lost into the ether: a history of radio', []],
  ['Optimism grows over a soft landing', []],
  ['S&P downgrades Israel; Dow Jones Newswires reports', []],
  ['Nasdaq-listed miner raises $100 million', []],
  ['Nikkei Asia reports chip export curbs', []],
  // Shouting: ambiguous tickers need a cashtag.
  ['BREAKING: BITCOIN NEAR ALL TIME HIGH, CRYPTO MARKETS GO WILD', ['BTC']],
  ['BREAKING: $SOL AND BITCOIN PUMP', ['BTC', 'SOL']],
  // Spanish "sol".
  ['El sol brilla en Madrid y el bitcoin sube', ['BTC'], 'es'],
  ['Tomar el SOL con cripto en la playa', [], 'es'],
  ['Solana y $SOL suben un 10% en el mercado cripto', ['SOL'], 'es'],
  ['SOL/USDT rompe resistencia', ['SOL'], 'es'],
  ['Sol Campbell joins crypto exchange as ambassador', []],
  ['SOL rallies as crypto traders rotate out of bitcoin', ['BTC', 'SOL'], 'en'],
];

for (const [text, expected, lang] of cases) {
  test(`tags ${JSON.stringify(text)}${lang ? ` (${lang})` : ''}`, () => {
    assert.deepEqual(tagAssets(text, lang ? { lang } : {}), expected);
  });
}

test('output is sorted, unique and upper case', () => {
  assert.deepEqual(tagAssets('bitcoin BTC $btc Bitcoin ₿ ethereum'), ['BTC', 'ETH']);
});

test('the finance-news tweets: crypto tags only where crypto is named', (t) => {
  // 9.5k real finance tweets (shared/data/tfns): mostly equities, so a crypto tag is rare and must
  // come from a crypto word. Its cost per item is a benchmark figure (`npm run bench -w @barometer/ingest`).
  const path = new URL('../../../shared/data/tfns/train.csv', import.meta.url);
  let csv: string;
  try {
    csv = readFileSync(path, 'utf8');
  } catch {
    t.skip('shared/data/tfns is not beside this checkout');
    return;
  }
  const texts = csv.split('\n').slice(1).filter(Boolean);
  const cryptoWord = /bitcoin|btc|ethereum|ether|crypto|coin|token|blockchain|solana|xrp|ripple|doge|cardano|binance|\$[a-z]{2,5}\b/i;
  let tagged = 0;
  const suspicious: string[] = [];
  for (const text of texts) {
    const tags = tagAssets(text).filter((s) => !['SPX', 'NDX', 'IXIC', 'DJI', 'RUT', 'VIX', 'FTSE', 'DAX', 'CAC', 'N225', 'HSI', 'SX5E'].includes(s));
    if (tags.length > 0) {
      tagged++;
      if (!cryptoWord.test(text)) suspicious.push(`${tags.join(',')}: ${text}`);
    }
  }
  assert.ok(tagged > 0);
  assert.deepEqual(suspicious, []);
});
