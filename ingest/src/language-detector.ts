// A small, dependency-free language guess for headlines: the Unicode script first, then function-word
// scores for the Latin-script languages the curated feeds use. `und` when the evidence is too thin.

const SCRIPTS: [RegExp, string][] = [
  [/\p{Script=Hiragana}|\p{Script=Katakana}/u, 'ja'],
  [/\p{Script=Hangul}/u, 'ko'],
  [/\p{Script=Han}/u, 'zh'],
  [/\p{Script=Cyrillic}/u, 'ru'],
  [/\p{Script=Arabic}/u, 'ar'],
  [/\p{Script=Hebrew}/u, 'he'],
  [/\p{Script=Greek}/u, 'el'],
  [/\p{Script=Thai}/u, 'th'],
  [/\p{Script=Devanagari}/u, 'hi'],
];

// Function words plus the verbs and prepositions of news headlines; a word shared by two lists counts for both.
const WORDS: Record<string, string> = {
  en: 'the a an of to in on for and or is are was were be been has have had with as at by from after amid over into its it this that than will could would may says said new high low more up down out about how why what vs under against ahead hits rises falls drops jumps surges slides gains record price prices market markets rate rates report reports first week year billion million',
  es: 'el la los las de del y en un una que por para con se su sus es al lo como más pero sobre tras entre desde ha según hasta precio mercado año millones',
  fr: 'le la les de des du et en un une est pour que qui dans sur par au aux avec ce se son sa ses plus pas ne après selon entre chez cours marché prix milliards',
  de: 'der die das und den dem des ein eine einer ist im zu mit von auf für nicht sich auch bei nach aus wie über vor zum zur wird kurs markt milliarden',
  pt: 'o a os as de do da dos das e em um uma que para com por no na nos nas se ao à é mais sobre após entre preço mercado bilhões',
  it: 'il lo la i gli le di del della e in un una che per con su al alla è non più dopo tra sono prezzo mercato miliardi',
  nl: 'de het een en van in op te met voor is zijn niet dat die aan bij naar uit ook om over na dan koers markt miljard',
};

const LEXICON = new Map<string, string[]>();
for (const [lang, words] of Object.entries(WORDS)) {
  for (const w of words.split(' ')) LEXICON.set(w, [...(LEXICON.get(w) ?? []), lang]);
}

// Letters that only some of these languages use: one is strong evidence on a short line.
const LETTERS: [RegExp, string][] = [
  [/[ñ¿¡]/u, 'es'],
  [/[ãõ]/u, 'pt'],
  [/[ß]/u, 'de'],
  [/[äöü]/u, 'de'],
  [/[çœ]|[èêë]/u, 'fr'],
  [/[ĳ]/u, 'nl'],
];

/** Normalizes a declared language (`en-US`, `EN`, `en_gb`) to its ISO 639 code, or null. */
export function normalizeLang(tag: string | null | undefined): string | null {
  const m = /^([a-z]{2,3})(?:[-_].*)?$/i.exec(tag?.trim() ?? '');
  return m?.[1] ? m[1].toLowerCase() : null;
}

/**
 * Guesses the language of `text`. Non-Latin scripts decide alone. For Latin text, each function word
 * scores for its languages and each distinctive letter scores 2; the winner needs a lead of one point
 * over the runner-up, otherwise the declared `hint` (a feed's `<language>`, a post's `lang`) decides,
 * and without one the answer is `und`.
 */
export function detectLanguage(text: string, hint?: string | null): string {
  const letters = text.replace(/[^\p{L}]/gu, '');
  const hinted = normalizeLang(hint);
  if (letters.length === 0) return hinted ?? 'und';
  for (const [re, lang] of SCRIPTS) {
    // A few CJK characters in an English line (a ticker, a name) do not make it Chinese: the script must dominate.
    const n = letters.match(new RegExp(re.source, 'gu'))?.length ?? 0;
    if (n / letters.length > 0.3) return lang;
  }
  const scores = new Map<string, number>();
  const words = text.toLowerCase().split(/[^\p{L}']+/u).filter(Boolean);
  for (const w of words) for (const lang of LEXICON.get(w) ?? []) scores.set(lang, (scores.get(lang) ?? 0) + 1);
  for (const [re, lang] of LETTERS) if (re.test(text.toLowerCase())) scores.set(lang, (scores.get(lang) ?? 0) + 2);
  const ranked = [...scores.entries()].sort((a, b) => b[1] - a[1]);
  const [best, second] = ranked;
  if (best && best[1] >= 1 && best[1] - (second?.[1] ?? 0) >= 1) return best[0];
  // A tie between the hint and another language is settled by the hint.
  if (hinted && best && scores.get(hinted) === best[1]) return hinted;
  return hinted ?? 'und';
}
