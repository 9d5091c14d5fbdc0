// Public face of the run report: the input schema, the page builder, and the file/serve helpers.
export { RunReportInput, parseRunReportInput, type RunReport } from './input';
export { buildReportHtml, SECTION_IDS } from './page';
export { writeReport } from './write';
export { serveReport, type ServedReport } from './serve';
