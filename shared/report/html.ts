// The few HTML building blocks the report needs. Every piece of run data goes through
// `escapeHtml` (or `safeHref` for links): item titles, reasons and error messages come from
// user data and must never become markup.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string | number | boolean): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/** Only http(s) links survive; anything else (javascript:, data:) yields undefined. */
export function safeHref(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? escapeHtml(parsed.href) : undefined;
  } catch {
    return undefined;
  }
}

/** A cell is trusted markup only when built here; plain strings and numbers are escaped. */
export interface Markup {
  readonly html: string;
}
export const markup = (html: string): Markup => ({ html });
export type Cell = string | number | Markup;

const cellHtml = (c: Cell) => (typeof c === 'object' ? c.html : escapeHtml(c));

export interface Column {
  title: string;
  /** numbers align right so digits line up */
  numeric?: boolean;
}

export function table(columns: readonly Column[], rows: readonly (readonly Cell[])[], className = 'data'): string {
  const head = columns.map((c) => `<th${c.numeric ? ' class="num"' : ''}>${escapeHtml(c.title)}</th>`).join('');
  const body = rows
    .map((row) => `<tr>${row.map((cell, i) => `<td${columns[i]?.numeric ? ' class="num"' : ''}>${cellHtml(cell)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A chart figure; `svg` is Vega's own output, whose text nodes Vega escapes. */
export function figure(chartId: string, svg: string, caption: string): string {
  return `<figure class="chart" data-chart="${escapeHtml(chartId)}">${svg}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

export function notComputed(detail: string): string {
  return `<p class="not-computed">Not computed in this run. ${escapeHtml(detail)}</p>`;
}

export function code(text: string): Markup {
  return markup(`<code>${escapeHtml(text)}</code>`);
}
