import { beforeAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../../../shared/report/input';
import { buildReportHtml, SECTION_IDS } from '../../../shared/report/page';
import { WEIGHTING_NOTE, weightingNote } from '../../../shared/report/sections/training';
import { buildFailedRun, buildRealisticRun } from './fixtures/realistic-run';
import { chartSvg, svgTexts } from './svg-text';

let html = '';
let failedHtml = '';

beforeAll(async () => {
  html = await buildReportHtml(buildRealisticRun());
  failedHtml = await buildReportHtml(buildFailedRun());
}, 60_000);

describe('report page', () => {
  it('contains every section, in page order', () => {
    const positions = SECTION_IDS.map((id) => html.indexOf(`data-section="${id}"`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(html.match(/data-section="/g)).toHaveLength(SECTION_IDS.length);
  });

  it('needs no network: no scripts, no external links to load, styles inline', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/(src|href)="https?:\/\/(?!127\.0\.0\.1:8233)/);
    expect(html).not.toMatch(/@import|url\(/);
    expect(html).toContain('<style>');
  });

  const expectedCharts: Record<string, string[]> = {
    'steps-gantt': ['minutes since run start', 'pretrain', 'finetune-control', 'evaluate', '6 min 12 s', 'cache hit', '2 min 43 s · 2 attempts'],
    'training-curves': ['pre-training', 'fine-tuning', 'epoch', 'loss', 'valued', 'control'],
    'metrics-bars': ['NDCG@10', 'HR@10', 'MRR', 'AUC', 'score', 'valued (knn-shapley)', 'EASE', 'item-kNN', 'most-popular'],
    'value-histogram': ['knn-shapley', 'data-oob', 'value (knn-shapley)', 'value (data-oob)', 'examples', 'kept', 'quarantined'],
    'detection-bars': ['AUC', 'F1', 'score (vs ground truth)', 'knn-shapley', 'random'],
    'point-removal': ['fraction of training data removed', 'NDCG@10', 'lowest value first', 'highest value first', 'random', '50%'],
    'rejects-bars': ['rejected rows', 'rating outside 1–5', 'unknown item_id (not in ml-100k.item)', '212'],
  };

  it.each(Object.entries(expectedCharts))('renders the %s chart as inline SVG with its axis titles and labels', (chartId, labels) => {
    const svg = chartSvg(html, chartId);
    expect(svg, `no <svg> in figure ${chartId}`).toBeDefined();
    const texts = svgTexts(svg as string);
    for (const label of labels) expect(texts, `label "${label}" in ${chartId}`).toContain(label);
    // Bars, lines or points were drawn, not only axes.
    expect(svg).toMatch(/class="mark-(rect|line|symbol)/);
  });

  it('shows the run summary facts and a link to the Temporal workflow', () => {
    for (const fact of ['run-20250614-ml100k-7f3a9c', 'specs/ml-100k-knn-shapley.yaml', 'v0.3.1+g4e2c9ab', '2025-06-14', 'cuda:1', 'tensorflow', 'wasm']) {
      expect(html).toContain(fact);
    }
    expect(html).toContain('href="http://127.0.0.1:8233/namespaces/default/workflows/assay%2Fml-100k%2F2025-06-14"');
  });

  it('compares valued against control on every headline metric with its paired interval, none picked', () => {
    expect(html).toContain(
      'Valued vs control, paired over 943 test users, difference with its 95% interval: NDCG@10 0.0719 vs 0.0661, +0.0058 [+0.0011, +0.0105]; ' +
        'HR@10 0.1402 vs 0.1298, +0.0104 [−0.0021, +0.0229]; Recall@10 0.1402 vs 0.1298, +0.0104 [−0.0021, +0.0229]; ' +
        'MRR 0.0589 vs 0.0542, +0.0047 [+0.0003, +0.0091]; AUC 0.9121 vs 0.9087, +0.0034 [−0.0012, +0.0080]. ' +
        '70% of the control&#39;s training examples, 0.75× its training time.',
    );
  });

  it('labels a sample of values as a sample and counts every valued example', () => {
    const section = html.slice(html.indexOf('data-section="values"'), html.indexOf('data-section="detection"'));
    expect(section).toContain('knn-shapley: the histogram draws a sample of 14,000 of 70,312 values');
    expect(section).toMatch(/<td>knn-shapley<\/td><td class="num">70,312<\/td><td class="num">49,218<\/td><td class="num">21,094<\/td>/);
    expect(svgTexts(chartSvg(html, 'value-histogram') as string)).toContain('examples in the sample');
  });

  it('explains that valued and control fine-tuning losses are weighted differently', () => {
    const section = html.slice(html.indexOf('data-section="training"'), html.indexOf('data-section="metrics"'));
    expect(section).toContain('The valued and control fine-tuning losses are weighted differently');
    expect(section).not.toContain('finetune.exampleWeight');
  });

  it('adds the column weight both arms share when finetune.exampleWeight names one', () => {
    const withColumn = (column: string) => weightingNote({ run: { config: { 'finetune.exampleWeight': column } } } as unknown as RunReport);
    expect(withColumn('quantity')).toMatch(/weighted differently.*Both arms' examples are also weighted by the events' quantity \(finetune\.exampleWeight/);
    expect(withColumn('none')).toBe(WEIGHTING_NOTE);
  });

  it('counts rejected event and item rows apart, each against its own file, and shows the raw line', () => {
    const section = html.slice(html.indexOf('data-section="rejects"'));
    expect(section).not.toMatch(/rejected of [\d,]+ rows read/);
    expect(section).toMatch(/<code>ml-100k.inter<\/code><\/td><td class="num">410<\/td><td class="num">98,730<\/td>/);
    expect(section).toMatch(/<code>ml-100k.item<\/code><\/td><td class="num">2<\/td><td class="num">1,682<\/td>/);
    expect(section).toContain('raw line');
  });

  it('lists the 20 most contradicted quarantine examples, strongest first', () => {
    const section = html.slice(html.indexOf('data-section="quarantine"'), html.indexOf('data-section="rejects"'));
    const rows = section.match(/<tr><td class="num">\d+<\/td>/g) ?? [];
    expect(rows).toHaveLength(20);
    const contradictions = [...section.matchAll(/<td class="num">(-?\d+\.\d{3})<\/td><td class="num">[^<]*<\/td><\/tr>/g)].map((m) => Number(m[1]));
    expect(contradictions).toHaveLength(20);
    expect([...contradictions].sort((a, b) => b - a)).toEqual(contradictions);
    expect(section).toContain('Top 20 of 30 quarantined examples');
  });

  it('has no failure banner for a run that succeeded', () => {
    expect(html).not.toContain('data-banner=');
  });
});

describe('report of a run that failed half-way', () => {
  it('opens with a red banner naming the failed step and the reason', () => {
    const banner = /<div class="banner banner-failed" role="alert" data-banner="failed">([\s\S]*?)<\/div>/.exec(failedHtml)?.[1];
    expect(banner).toBeDefined();
    expect(banner).toContain('Run failed at step <code>finetune</code>');
    expect(banner).toContain('NonRetryableTrainingError: NaN loss at epoch 3 (batch 118)');
    expect(failedHtml.indexOf('data-banner="failed"')).toBeLessThan(failedHtml.indexOf('data-section="summary"'));
  });

  it('still shows every section, saying plainly which were not computed and why', () => {
    for (const id of SECTION_IDS) expect(failedHtml).toContain(`data-section="${id}"`);
    const section = (id: string) => failedHtml.slice(failedHtml.indexOf(`data-section="${id}"`)).split('</section>')[0] as string;
    expect(section('metrics')).toContain('Not computed in this run. Step &quot;infer&quot; is pending.');
    expect(section('quarantine')).toContain('Not computed in this run.');
    expect(section('point-removal')).toContain('Not computed in this run. The run failed before producing it.');
    // What exists is still drawn.
    expect(chartSvg(failedHtml, 'steps-gantt')).toBeDefined();
    expect(chartSvg(failedHtml, 'value-histogram')).toBeDefined();
    expect(chartSvg(failedHtml, 'rejects-bars')).toBeDefined();
    expect(chartSvg(failedHtml, 'metrics-bars')).toBeUndefined();
    expect(svgTexts(chartSvg(failedHtml, 'steps-gantt') as string)).toContain('1 min 08 s · 3 attempts · failed');
  });
});
