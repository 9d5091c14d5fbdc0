import { describe, expect, it } from 'vitest';
import { escapeHtml, safeHref } from '../../../shared/report/html';
import { buildReportHtml } from '../../../shared/report/page';
import { buildFailedRun, buildRealisticRun } from './fixtures/realistic-run';
import { chartSvg, svgTexts } from './svg-text';

const SCRIPT_TITLE = '<script>window.__pwned = 1</script>Toy Story';
const IMG_REASON = 'bad <img src=x onerror="window.__pwned=2"> & worse';

describe('HTML escaping', () => {
  it('escapes the five characters that can open markup or break attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('keeps only http(s) links', () => {
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,<script>alert(1)</script>')).toBeUndefined();
    expect(safeHref('not a url')).toBeUndefined();
    expect(safeHref('http://127.0.0.1:8233/a?b=1&c=2')).toBe('http://127.0.0.1:8233/a?b=1&amp;c=2');
  });

  it('renders item titles, reject reasons and failure messages as text, never as markup', async () => {
    const input = buildRealisticRun();
    const quarantine = input.quarantine!;
    quarantine[0] = { ...quarantine[0]!, itemTitle: SCRIPT_TITLE, contradiction: 99 };
    input.rejects!.byReason.push({ reason: IMG_REASON, count: 500 });
    input.rejects!.examples!.unshift({ file: 'events<1>.csv', line: 3, reason: IMG_REASON, excerpt: '</code><script>x()</script>' });
    input.values![1] = { ...input.values![1]!, method: '<script>m()</script>' };
    const html = await buildReportHtml(input);

    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;script&gt;window.__pwned = 1&lt;/script&gt;Toy Story');
    expect(html).toContain('bad &lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt; &amp; worse');
    expect(html).toContain('<code>events&lt;1&gt;.csv:3</code>');
    // Names inside charts reach the SVG as text too (Vega escapes its text nodes).
    expect(svgTexts(chartSvg(html, 'rejects-bars')!)).toContain(IMG_REASON);
    expect(svgTexts(chartSvg(html, 'value-histogram')!)).toContain('<script>m()</script>');
  });

  it('escapes the failure message in the red banner', async () => {
    const input = buildFailedRun();
    input.run.failure = { step: 'finetune', message: 'bad row <b onmouseover="x()">' };
    const html = await buildReportHtml(input);
    expect(html).toContain('bad row &lt;b onmouseover=&quot;x()&quot;&gt;');
    expect(html).not.toContain('<b onmouseover');
  });

  it('forbids scripts through a Content-Security-Policy as a second line of defence', async () => {
    const html = await buildReportHtml(buildRealisticRun());
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
  });
});
