// Turns what a source hands over (HTML fragments, entities, links, emoji) into plain headline text.

/** The named entities headlines actually carry; unknown names are left as written rather than guessed. */
const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ensp: ' ', emsp: ' ', thinsp: ' ',
  ndash: '–', mdash: '—', hellip: '…', lsquo: '‘', rsquo: '’', sbquo: '‚', ldquo: '“', rdquo: '”', bdquo: '„',
  laquo: '«', raquo: '»', middot: '·', bull: '•', deg: '°', plusmn: '±', times: '×', divide: '÷', minus: '−',
  euro: '€', pound: '£', yen: '¥', cent: '¢', copy: '©', reg: '®', trade: '™', sect: '§', para: '¶', percnt: '%',
  dollar: '$', num: '#', excl: '!', quest: '?', colon: ':', comma: ',', period: '.', lpar: '(', rpar: ')',
  aacute: 'á', eacute: 'é', iacute: 'í', oacute: 'ó', uacute: 'ú', agrave: 'à', egrave: 'è', ograve: 'ò',
  acirc: 'â', ecirc: 'ê', ocirc: 'ô', auml: 'ä', euml: 'ë', iuml: 'ï', ouml: 'ö', uuml: 'ü', szlig: 'ß',
  ccedil: 'ç', ntilde: 'ñ', atilde: 'ã', otilde: 'õ', Auml: 'Ä', Ouml: 'Ö', Uuml: 'Ü', Eacute: 'É', Ccedil: 'Ç',
  iexcl: '¡', iquest: '¿', zwj: '', zwnj: '', shy: '',
};

/** Decodes named and numeric character references; invalid code points become nothing. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});?/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '';
      return String.fromCodePoint(code);
    }
    return NAMED[ref] ?? whole;
  });
}

/** Script and style bodies are code, not words; every other tag is dropped and its text kept. */
function stripTags(text: string): string {
  return text
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<\/?[a-z!][^>]*>/gi, ' ');
}

const URL_PATTERN = /\b(?:https?:\/\/|www\.)[^\s<>"]+/gi;
// Pictographs, their modifiers and joiners, regional-indicator flags and keycap marks.
const EMOJI_PATTERN = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\u{1F1E6}-\u{1F1FF}\u{FE0F}\u{FE0E}\u{200D}\u{20E3}]/gu;
// Control and format characters (bidi overrides, zero-width spaces) that would survive a trim.
const INVISIBLE_PATTERN = /[\p{Cc}\p{Cf}]/gu;

/**
 * Plain text from a title or post: tags (twice, since feeds double-escape markup), entities, links,
 * emoji and invisible characters removed, whitespace collapsed. Numbers and `$`/`%` stay: "BTC +5%" is the news.
 */
export function cleanText(raw: string): string {
  const once = decodeEntities(stripTags(raw));
  return stripTags(once)
    .replace(URL_PATTERN, ' ')
    .replace(EMOJI_PATTERN, ' ')
    .replace(INVISIBLE_PATTERN, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
