// The page's only stylesheet, inlined: system fonts, no external resources.
import { FONT } from './charts/theme';

export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font-family: ${FONT}; font-size: 14px; line-height: 1.45; color: #24292f; background: #f6f8fa; }
header.page { background: #24292f; color: #fff; padding: 18px 32px 14px; }
header.page h1 { margin: 0 0 4px; font-size: 20px; font-weight: 600; }
header.page .sub { color: #d0d7de; font-size: 13px; }
header.page .sub code { color: #fff; background: #424a53; }
nav.toc { padding: 8px 32px; background: #fff; border-bottom: 1px solid #d0d7de; font-size: 13px; position: sticky; top: 0; z-index: 1; }
nav.toc a { color: #0969da; text-decoration: none; margin-right: 14px; white-space: nowrap; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 32px 48px; }
section.report-section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 16px 20px 20px; margin: 16px 0; }
section.report-section > h2 { margin: 0 0 12px; font-size: 17px; font-weight: 600; }
h3 { font-size: 14px; margin: 16px 0 8px; }
.banner { border-radius: 8px; padding: 14px 18px; margin: 16px 0 0; font-size: 14px; }
.banner strong { font-size: 15px; }
.banner-failed { background: #ffebe9; border: 2px solid #d1242f; color: #82071e; }
.banner-running { background: #fff8c5; border: 2px solid #d4a72c; color: #4d2d00; }
.banner pre { white-space: pre-wrap; word-break: break-word; margin: 8px 0 0; font-size: 12px; background: #fff; border-radius: 4px; padding: 8px; color: #24292f; }
.summary-grid { display: grid; grid-template-columns: minmax(320px, 1fr) minmax(320px, 1fr); gap: 24px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: #57606a; }
dl.facts dd { margin: 0; word-break: break-all; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; background: #f6f8fa; border-radius: 4px; padding: 1px 4px; }
.muted { color: #57606a; font-size: 12px; }
table.data { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
table.data th { text-align: left; font-weight: 600; border-bottom: 2px solid #d0d7de; padding: 6px 10px; background: #f6f8fa; }
table.data td { border-bottom: 1px solid #eaeef2; padding: 5px 10px; vertical-align: top; }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td:has(> code:only-child), table.data td:has(> .status) { white-space: nowrap; }
.nowrap { white-space: nowrap; }
.status { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; background: #6e7781; }
.status-succeeded { background: #1a7f37; }
.status-failed, .status-terminated, .status-timed-out { background: #cf222e; }
.status-running { background: #9a6700; }
.status-cancelled { background: #bc4c00; }
.status-pending, .status-skipped { background: #eaeef2; color: #57606a; }
.cache-hit { color: #57606a; font-weight: 600; }
.role { font-size: 12px; color: #57606a; }
.role-valued { color: #0969da; font-weight: 600; }
.headline { font-size: 15px; font-weight: 600; }
.ok { color: #1a7f37; }
.not-computed { color: #57606a; font-style: italic; background: #f6f8fa; border: 1px dashed #d0d7de; border-radius: 6px; padding: 10px 14px; margin: 0; }
.metric-not-computed { color: #57606a; font-style: italic; }
figure.chart { margin: 8px 0 12px; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figure.chart figcaption { color: #57606a; font-size: 12px; margin-top: 4px; }
footer.page { color: #57606a; font-size: 12px; text-align: center; padding: 0 0 24px; }
@media print { nav.toc { position: static; } section.report-section { break-inside: avoid; } }
`;
