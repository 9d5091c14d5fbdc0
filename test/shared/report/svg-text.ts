// Test helpers: pull one chart's SVG out of a report page and list the words drawn in it.

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

/** The inline SVG of `<figure data-chart="id">`, or undefined when the page has no such chart. */
export function chartSvg(html: string, chartId: string): string | undefined {
  const match = new RegExp(`<figure class="chart" data-chart="${chartId}">(<svg[\\s\\S]*?</svg>)`).exec(html);
  return match?.[1];
}

/** Every <text> node's content in an SVG, entities decoded. */
export function svgTexts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => (m[1] ?? '').replace(/&(amp|lt|gt|quot|#39|#x27);/g, (e) => ENTITIES[e] ?? e));
}
