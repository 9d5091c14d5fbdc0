// The one way a zod failure becomes text: each issue as `<path>: <message>`, its path from the
// root of what was parsed (or from a named place: `pretrain.epochs`), so every boundary names
// the field to fix in the same words.
import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

export interface IssueFormat {
  /** where the parsed value sits, written before each issue's path (e.g. 'pretrain') */
  readonly under?: string;
  /** written before each line (e.g. '  ' for an indented list) */
  readonly indent?: string;
  /** the issue's label when its path alone does not say enough (e.g. a flag with its value) */
  readonly label?: (issue: Issue, path: string) => string;
}

/** An issue's dotted path below `under`; `(root)` for the parsed value as a whole. */
export function issuePath(issue: Issue, under?: string): string {
  return [...(under === undefined ? [] : [under]), ...issue.path.map(String)].join('.') || '(root)';
}

/** One line per issue: `<indent><path>: <message>`. */
export function issueLines(error: z.ZodError, format: IssueFormat = {}): string[] {
  return error.issues.map((issue) => {
    const path = issuePath(issue, format.under);
    return `${format.indent ?? ''}${format.label ? format.label(issue, path) : path}: ${issue.message}`;
  });
}

/** Every issue on one line, separated by '; ', for a message that names them in passing. */
export function issueList(error: z.ZodError, format: IssueFormat = {}): string {
  return issueLines(error, format).join('; ');
}
