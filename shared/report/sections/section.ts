import type { RunReport } from '../input';

/** One titled part of the page; `id` is its anchor and its `data-section` name. */
export interface Section {
  id: string;
  title: string;
  body: string;
}

export type SectionBuilder = (report: RunReport) => Promise<Section> | Section;
