// The files each folder format reads, so a folder source is checked and stored by what its
// adapter needs — never by whatever else happens to sit in the folder (keys, dumps, notes).
export interface FolderLayout {
  /** the adapter cannot run without these */
  readonly required: readonly string[];
  /** read when present */
  readonly optional: readonly string[];
}

export const FOLDER_LAYOUTS = {
  'ml-100k': { required: ['ml-100k.inter', 'ml-100k.item'], optional: ['ml-100k.user'] },
  'amazon-beauty': { required: ['beauty.txt'], optional: [] },
  'esci-ubi': { required: ['ubi_queries_events.ndjson', 'esci_us_judgments.json'], optional: [] },
} as const satisfies Record<string, FolderLayout>;

export type FolderFormat = keyof typeof FOLDER_LAYOUTS;
