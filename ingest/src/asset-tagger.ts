// Tags an item's text with the asset symbols it is about (`BTC`, `ETH`, `SPX`, …), for per-asset indices.
//
// Coverage: the ~30 largest crypto assets by market cap and the major equity indices. Symbols are
// the ones traders use; where an asset was renamed the current symbol wins (MATIC → POL since the
// September 2024 migration, so `$MATIC` and "Polygon" tag `POL`). Index symbols: SPX (S&P 500),
// NDX (Nasdaq-100), IXIC (Nasdaq Composite: plain "Nasdaq" in a headline nearly always means the
// Composite, the number quoted on the evening news), DJI (Dow Jones Industrial Average), RUT
// (Russell 2000), VIX, FTSE (FTSE 100), DAX, CAC (CAC 40), N225 (Nikkei 225), HSI (Hang Seng), SX5E
// (Euro Stoxx 50). SPY/QQQ/DIA cashtags tag their index: on X they are how people talk about it.
//
// Precision matters more than recall here: a wrong tag moves an asset's index, a missed one only
// leaves an item out of it. So the rules, in order:
//  1. A trading pair (`SOL/USDT`, `LINK-USD`) of a known symbol always counts, and so does a
//     cashtag (`$BTC`, `$eth`) in any language and case, except that cashtags of the ambiguous
//     tickers of rule 4 need crypto context: the cashtag namespace is shared with stocks
//     (`$SOL` was ReneSola, `$POL` PolyOne, `$SUI` is Sun Communities).
//  2. Full names count, case-insensitively, when they are not ordinary words ("Bitcoin",
//     "Ethereum", "Solana", "Chainlink", "Dogecoin", "S&P 500", "Nikkei 225", …). A few are only
//     names when capitalised ("Ether", "Ripple" but not "Ripple effect").
//  3. Unambiguous tickers count when written in upper case (BTC, XRP, AVAX, SPX, …); a short list
//     of them also in lower case, where the lower-case form is not a word (btc, eth, xrp, …).
//     ETH is not Ethereum in "ETH Zurich"/"ETH Zürich" (the university).
//  4. Tickers that are also words or other acronyms (SOL, LINK, DOT, NEAR, OP, ATOM, TON, SUI, UNI,
//     ADA, ETC, APT, FIL, ARB, DOGE, PEPE, ICP, POL) count only in upper case AND with crypto context:
//     a crypto word (crypto, token, blockchain, altcoin, defi, staking, cripto, …), a cashtag, or
//     another crypto asset tagged by rules 1–3. So "link" the noun/verb, "near" the word, "tons",
//     "sol" in Spanish ("el sol"), "UNI" the university, "ADA" the disability act and "DOGE" the US
//     government department stay untagged unless the text is about crypto. Names that are also
//     words (Avalanche, Stellar, Cosmos, Polygon, Optimism, Tron, Pepe) follow the same rule, and
//     must be capitalised.
//  5. In shouting text (mostly capitals) upper case says nothing, so rule 4 needs a cashtag or pair.
//  6. OP is also "original poster" in the very posts that carry crypto context, so it needs a
//     cashtag, a pair, or the name Optimism (with context).
//  7. In Spanish, Portuguese, Catalan, Galician, French and Italian text (`opts.lang`) the bare
//     word "Sol"/"SOL" (sun, floor, the Peruvian currency) never counts; only `$SOL`, a pair, or
//     "Solana" do.
//
//  8. Plain "Nasdaq" is the exchange as often as the index ("NASDAQ: NVDA", "Nasdaq CEO", a
//     "- Nasdaq" byline): it is the Composite only with a market move at most two words after it
//     ("Nasdaq closes up 1%") or with another index named; "the Dow" likewise needs another index or
//     a move. "SPX Flow" is a company, "S&P" alone the ratings agency, "Nikkei" alone the newspaper.
//
// Speed: two precompiled regexes (names, tokens) and set/map lookups; no per-call allocation
// beyond the result.

interface NameRule {
  /** Regex source for the phrase; must not contain capturing groups. */
  pattern: string;
  symbol: string;
  /** Matched case-sensitively (the phrase is only a name when capitalised). */
  caseSensitive?: boolean;
  /** Also an ordinary word: counts only with crypto context (rule 4). */
  needsContext?: boolean;
  /** Counts as crypto context for ambiguous tickers. */
  crypto?: boolean;
  /** Also a company or exchange: counts only when another index is named too. */
  needsIndexContext?: boolean;
}

const W = String.raw`[\s-]+`;
/** Words that say an index moved, for plain "Nasdaq". */
const INDEX_MOVE = String.raw`(?:up|down|rises?|rose|falls?|fell|climbs?|climbed|gains?|gained|closes?|closed|ends?|ended|finish\w*|slides?|slid|drops?|dropped|jumps?|jumped|hits?|record|higher|lower|futures|turns?|turned|sheds?|adds?|added|tumbles?|tumbled|sinks?|sank|surges?|surged|rall(?:y|ies|ied)|slips?|slipped|edges?|edged|dips?|dipped|rebounds?|retreats?|soars?|soared|plunges?|plunged|slumps?|slumped|opens?|opened|[+-]?\d+(?:\.\d+)?%)(?![\p{L}\p{N}])`;

// Longest phrases first, so "Bitcoin Cash" is BCH and not BTC + a stray word.
const NAME_RULES: NameRule[] = [
  // Crypto, unambiguous names.
  { pattern: `bitcoin${W}cash`, symbol: 'BCH', crypto: true },
  { pattern: `ethereum${W}classic`, symbol: 'ETC', crypto: true },
  { pattern: `shiba${W}inu`, symbol: 'SHIB', crypto: true },
  { pattern: `internet${W}computer${W}(?:protocol|icp|token)`, symbol: 'ICP', crypto: true },
  { pattern: `near${W}protocol`, symbol: 'NEAR', crypto: true },
  { pattern: `the${W}open${W}network`, symbol: 'TON', crypto: true },
  { pattern: `binance${W}coin|bnb${W}chain`, symbol: 'BNB', crypto: true },
  { pattern: `usd${W}coin`, symbol: 'USDC', crypto: true },
  { pattern: `xrp${W}ledger`, symbol: 'XRP', crypto: true },
  { pattern: `stellar${W}lumens?`, symbol: 'XLM', crypto: true },
  { pattern: `polygon${W}(?:pos|network|labs|ecosystem)`, symbol: 'POL', crypto: true },
  { pattern: `avalanche${W}(?:network|blockchain|c-chain|foundation|ecosystem)`, symbol: 'AVAX', crypto: true },
  { pattern: `cosmos${W}(?:hub|network|ecosystem|sdk)`, symbol: 'ATOM', crypto: true },
  { pattern: `bitcoin`, symbol: 'BTC', crypto: true },
  { pattern: `ethereum`, symbol: 'ETH', crypto: true },
  { pattern: `tether`, symbol: 'USDT', crypto: true },
  { pattern: `solana`, symbol: 'SOL', crypto: true },
  { pattern: `cardano`, symbol: 'ADA', crypto: true },
  { pattern: `dogecoin`, symbol: 'DOGE', crypto: true },
  { pattern: `toncoin`, symbol: 'TON', crypto: true },
  { pattern: `chainlink`, symbol: 'LINK', crypto: true },
  { pattern: `polkadot`, symbol: 'DOT', crypto: true },
  { pattern: `litecoin`, symbol: 'LTC', crypto: true },
  { pattern: `uniswap`, symbol: 'UNI', crypto: true },
  { pattern: `aptos`, symbol: 'APT', crypto: true },
  { pattern: `hedera`, symbol: 'HBAR', crypto: true },
  { pattern: `filecoin`, symbol: 'FIL', crypto: true },
  { pattern: `arbitrum`, symbol: 'ARB', crypto: true },
  { pattern: `monero`, symbol: 'XMR', crypto: true },
  // Capitalised only: "into the ether", "a ripple effect".
  { pattern: `Ether`, symbol: 'ETH', caseSensitive: true, crypto: true },
  { pattern: `Ripple(?![\\s-]+[Ee]ffects?)`, symbol: 'XRP', caseSensitive: true, crypto: true },
  // Names that are also words: capitalised and with crypto context.
  { pattern: `Avalanche`, symbol: 'AVAX', caseSensitive: true, needsContext: true },
  { pattern: `Stellar`, symbol: 'XLM', caseSensitive: true, needsContext: true },
  { pattern: `Cosmos`, symbol: 'ATOM', caseSensitive: true, needsContext: true },
  { pattern: `Polygon`, symbol: 'POL', caseSensitive: true, needsContext: true },
  { pattern: `Optimism`, symbol: 'OP', caseSensitive: true, needsContext: true },
  { pattern: `Tron|TRON`, symbol: 'TRX', caseSensitive: true, needsContext: true },
  { pattern: `Pepe`, symbol: 'PEPE', caseSensitive: true, needsContext: true },
  { pattern: `Sui`, symbol: 'SUI', caseSensitive: true, needsContext: true },
  // Equity indices. "S&P" alone is also the ratings agency, "Dow" alone the chemicals company,
  // "Nasdaq" followed by "-listed" the exchange.
  { pattern: `s\\s?&\\s?p${W}?500|sp500|s&p${W}index`, symbol: 'SPX' },
  { pattern: `nasdaq${W}?100`, symbol: 'NDX' },
  { pattern: `nasdaq${W}composite`, symbol: 'IXIC' },
  // Plain "Nasdaq" is as often the exchange or the company ("NASDAQ: NVDA", "Nasdaq CEO", "… - Nasdaq"
  // as a byline): it is the index only when a market move follows at most two words later, or another
  // index is named in the same text.
  { pattern: `nasdaq(?!\\s*:)(?=(?:[\\s,]+[\\p{L}\\p{N}.'’]+){0,2}?[\\s,]+${INDEX_MOVE})`, symbol: 'IXIC' },
  { pattern: `nasdaq(?!\\s*:)`, symbol: 'IXIC', needsIndexContext: true },
  { pattern: `dow${W}jones(?:${W}industrial${W}average|${W}industrials)?(?!${W}(?:newswires|&|and${W}co|market${W}data|indices|u\\.s\\.|internet|select|transportation|utilit|sustainability|global))|djia|dow${W}(?:futures|industrials)`, symbol: 'DJI' },
  { pattern: `the${W}dow(?!${W}chemical)(?=(?:[\\s,]+[\\p{L}\\p{N}.'’]+){0,2}?[\\s,]+${INDEX_MOVE})`, symbol: 'DJI' },
  { pattern: `the${W}dow(?!${W}chemical)`, symbol: 'DJI', needsIndexContext: true },
  { pattern: `russell${W}2000`, symbol: 'RUT' },
  { pattern: `cboe${W}volatility${W}index|wall${W}street's${W}fear${W}gauge`, symbol: 'VIX' },
  { pattern: `ftse${W}100|footsie`, symbol: 'FTSE' },
  { pattern: `dax${W}(?:40|index)`, symbol: 'DAX' },
  { pattern: `cac${W}40`, symbol: 'CAC' },
  // Plain "Nikkei" is as often the newspaper ("Nikkei Asia reported"), "Hang Seng Bank" a bank.
  { pattern: `nikkei${W}(?:225|index|average|share${W}average|stock${W}average)|japan's${W}nikkei`, symbol: 'N225' },
  { pattern: `hang${W}seng(?!${W}bank)(?:${W}index)?`, symbol: 'HSI' },
  { pattern: `euro${W}stoxx${W}50|eurostoxx${W}50`, symbol: 'SX5E' },
];

/** Symbols whose upper-case ticker is not a common word or acronym (rule 3). */
const UNAMBIGUOUS_TICKERS = new Set([
  'BTC', 'ETH', 'USDT', 'BNB', 'XRP', 'USDC', 'TRX', 'AVAX', 'SHIB', 'BCH', 'LTC', 'MATIC', 'XLM',
  'HBAR', 'XMR', 'SPX', 'NDX', 'IXIC', 'DJI', 'DJIA', 'RUT', 'VIX', 'FTSE', 'DAX', 'N225', 'HSI', 'SX5E',
]);
/** Lower-case forms that are not words either. */
const LOWERCASE_TICKERS = new Set(['btc', 'eth', 'xrp', 'usdt', 'usdc', 'bnb', 'avax', 'shib', 'ltc', 'bch', 'xlm', 'hbar', 'xmr']);
/** Tickers that are words or other acronyms (rule 4). */
const AMBIGUOUS_TICKERS = new Set([
  'SOL', 'LINK', 'DOT', 'NEAR', 'OP', 'ATOM', 'TON', 'SUI', 'UNI', 'ADA', 'ETC', 'APT', 'FIL', 'ARB',
  'DOGE', 'PEPE', 'ICP', 'POL',
]);
/** Every ticker and cashtag we know, to its canonical symbol. */
const SYMBOL_OF = new Map<string, string>([
  ...[...UNAMBIGUOUS_TICKERS, ...AMBIGUOUS_TICKERS].map((s) => [s, s] as const),
  ['MATIC', 'POL'],
  ['DJIA', 'DJI'],
  ['SPY', 'SPX'],
  ['QQQ', 'NDX'],
  ['DIA', 'DJI'],
  ['NIKKEI', 'N225'],
]);
const CRYPTO_SYMBOLS = new Set([
  'BTC', 'ETH', 'USDT', 'BNB', 'SOL', 'XRP', 'USDC', 'DOGE', 'ADA', 'TRX', 'TON', 'AVAX', 'SHIB', 'LINK',
  'DOT', 'BCH', 'NEAR', 'LTC', 'POL', 'UNI', 'ICP', 'ETC', 'APT', 'XLM', 'HBAR', 'FIL', 'ARB', 'OP', 'ATOM',
  'XMR', 'SUI', 'PEPE',
]);
/** Languages where "sol" is an ordinary word (sun, floor, a currency). */
const SOL_IS_A_WORD_IN = new Set(['es', 'pt', 'ca', 'gl', 'fr', 'it']);

const CONTEXT_RE = new RegExp(
  String.raw`\b(?:crypto\w*|cripto\w*|krypto\w*|cryptocurrenc(?:y|ies)|tokens?|tokeni[sz]\w*|coins?|altcoins?|memecoins?|meme${W}coins?|stablecoins?|blockchains?|defi|web3|staking|stakers?|airdrops?|on-?chain|layer${W}?[12]|mainnet|testnet|validators?|smart${W}contracts?|dapps?|nfts?|dex|hodl\w*|satoshis?|binance|coinbase|kraken|bybit|okx|bitfinex|ledger${W}wallet|metamask)\b`,
  'iu',
);

// Alternatives in one regex per case mode: the index of the group that matched says which rule.
function compileNames(rules: NameRule[], flags: string): { re: RegExp; rules: NameRule[] } {
  const source = rules.map((r) => `(${r.pattern})`).join('|');
  return { re: new RegExp(String.raw`(?<![\p{L}\p{N}$])(?:${source})(?![\p{L}\p{N}])`, flags), rules };
}
const NAMES_CI = compileNames(NAME_RULES.filter((r) => !r.caseSensitive), 'giu');
const NAMES_CS = compileNames(NAME_RULES.filter((r) => r.caseSensitive), 'gu');

// A token: optional cashtag sign, a word starting with a letter, and an optional pair quote.
const TOKEN_RE = /(?<![\p{L}\p{N}$&])(\$?)(\p{L}[\p{L}\p{N}]*)(?:[/-](USDT|USDC|USD|BTC|ETH|EUR|PERP)\b)?/gu;
/** Upper-case tickers that are something else when followed by these words. */
const NOT_BEFORE: ReadonlyMap<string, RegExp> = new Map([
  ['ETH', /^\s+Z(?:urich|ürich|uerich)\b/u], // the university
  ['SPX', /^\s+(?:flow|corp|technologies)\b/iu], // SPX Flow, SPX Technologies
  ['FTSE', /^\s+(?:russell|epra|nareit|all-world|global|4good|group)\b/iu], // the index provider's other indices
]);
const INDEX_SYMBOLS = new Set(['SPX', 'NDX', 'IXIC', 'DJI', 'RUT', 'VIX', 'FTSE', 'DAX', 'CAC', 'N225', 'HSI', 'SX5E']);

function isShouting(text: string): boolean {
  let upper = 0;
  let letters = 0;
  for (const ch of text) {
    if (ch >= 'A' && ch <= 'Z') {
      upper++;
      letters++;
    } else if (ch >= 'a' && ch <= 'z') letters++;
  }
  return letters >= 12 && upper / letters > 0.7;
}

/**
 * The asset symbols `text` is about: sorted, unique, upper case. `opts.lang` is the ISO 639-1 code
 * of the text when known (it turns off "sol" as Solana in Romance languages).
 */
export function tagAssets(text: string, opts: { lang?: string } = {}): string[] {
  const found = new Set<string>();
  const needContext = new Set<string>();
  const needIndexContext = new Set<string>();
  let context = CONTEXT_RE.test(text);
  const shouting = isShouting(text);
  const lang = opts.lang?.toLowerCase().slice(0, 2);
  const solIsWord = lang !== undefined && SOL_IS_A_WORD_IN.has(lang);

  for (const { re, rules } of [NAMES_CI, NAMES_CS]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const i = m.findIndex((g, k) => k > 0 && g !== undefined) - 1;
      const rule = rules[i];
      if (!rule) continue;
      if (rule.needsContext) needContext.add(rule.symbol);
      else if (rule.needsIndexContext) needIndexContext.add(rule.symbol);
      else {
        found.add(rule.symbol);
        if (rule.crypto) context = true;
      }
    }
  }

  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(text); m !== null; m = TOKEN_RE.exec(text)) {
    const word = m[2] ?? '';
    const upper = word.toUpperCase();
    const symbol = SYMBOL_OF.get(upper);
    if (symbol === undefined) continue;
    const cashtag = m[1] === '$';
    const pair = m[3] !== undefined && word === upper;
    // Cashtags share a namespace with stock tickers ($SOL was ReneSola, $POL PolyOne, $SUI Sun
    // Communities), so an ambiguous one needs crypto context too; a pair is unambiguous.
    if (cashtag && AMBIGUOUS_TICKERS.has(upper) && !pair) {
      needContext.add(symbol);
      continue;
    }
    if (cashtag || pair) {
      found.add(symbol);
      if (CRYPTO_SYMBOLS.has(symbol)) context = true;
      continue;
    }
    // ETF and alias tickers (SPY, QQQ, DIA, NIKKEI as a word) count only as cashtags.
    if (symbol !== upper && upper !== 'MATIC' && upper !== 'DJIA') continue;
    if (UNAMBIGUOUS_TICKERS.has(upper) && (word === upper || LOWERCASE_TICKERS.has(word))) {
      if (NOT_BEFORE.get(upper)?.test(text.slice(TOKEN_RE.lastIndex, TOKEN_RE.lastIndex + 16))) continue;
      found.add(symbol);
      if (CRYPTO_SYMBOLS.has(symbol)) context = true;
      continue;
    }
    if (AMBIGUOUS_TICKERS.has(upper) && word === upper) {
      // Rules 5–7: these count only as a cashtag, pair or name, which were handled above.
      if (shouting || upper === 'OP' || (upper === 'SOL' && solIsWord)) continue;
      needContext.add(symbol);
    }
  }

  if (context) for (const symbol of needContext) found.add(symbol);
  if ([...found].some((s) => INDEX_SYMBOLS.has(s))) for (const symbol of needIndexContext) found.add(symbol);
  return [...found].sort();
}
