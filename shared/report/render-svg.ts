// Vega-Lite spec → Vega → static SVG, entirely in Node: the report embeds the SVG text, so
// viewing it needs no script and no network.
import type { TopLevelSpec } from 'vega-lite';

// vega and vega-lite ship as ES modules whose dependency tree uses top-level await, which a
// CommonJS `require` cannot load; a dynamic import can, so both are loaded lazily once.
let engines: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;
function loadEngines() {
  engines ??= Promise.all([import('vega'), import('vega-lite')]);
  return engines;
}

/** Renders a Vega-Lite spec (with inline data) to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadEngines();
  const compiled = vegaLite.compile(spec).spec;
  // renderer 'none': no canvas or DOM; toSVG() builds markup from the scenegraph.
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
