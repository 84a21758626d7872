/*
 * CSV fields as RFC 4180 writes them, for every CSV this API serves (SDMX-CSV, spreadsheet
 * exports). Text that a spreadsheet would run as a formula (it starts with = + - @, a tab or a
 * carriage return) is neutralised with a leading apostrophe, as OWASP advises against CSV
 * injection; numbers are written as numbers and never touched.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** Text a spreadsheet would not run: formula-like text gets a leading apostrophe. */
export function neutralised(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** One field: numbers as they are, text neutralised and quoted when it must be. */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = neutralised(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, ended by CRLF (RFC 4180). */
export function csvRecord(
  fields: readonly (string | number | boolean | null | undefined)[],
): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

/**
 * Parses CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF) into records. A
 * leading byte-order mark is dropped.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
