// Reads the RFC 4180 CSV files of the training data (quoted fields, doubled quotes, newlines in
// quotes) into records keyed by the header row. Used by `npm run eval`, never by the service.

export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  const [header, ...body] = rows;
  if (!header) return [];
  const names = header.map((h) => h.replace(/^\ufeff/, ''));
  return body.map((cells, n) => {
    if (cells.length !== names.length) throw new Error(`CSV row ${n + 1} has ${cells.length} fields, expected ${names.length}`);
    return Object.fromEntries(names.map((name, i) => [name, cells[i]!]));
  });
}
