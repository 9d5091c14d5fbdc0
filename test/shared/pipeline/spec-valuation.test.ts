// What a data engineer may write in a spec's valuation and top level: keep or threshold (not
// both), a valuation seed of its own that defaults to the pretraining seed, and no code version
// (the CLI records the checkout's).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_KEEP, epochsTrainedByValueStep, loadSpecFile, parseSpec, selectionRule, specFileContents, SpecError, valuationOf, valuationSeed, type PipelineSpec } from '../../../shared/pipeline/spec';
import { specDigest } from '../../../shared/pipeline/pipeline-identity';
import { valueStep } from '../../../shared/pipeline/steps/value';
import { specJsonSchema } from '../../../shared/pipeline/spec-reference';
import type { StepCall } from '../../../shared/pipeline/step';
import { tempDir } from '../data/helpers';

const source = { format: 'ml-100k', dataset: 'ml-100k' };

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('the important set', () => {
  it('refuses keep and threshold together, naming both', () => {
    const error = errorOf(() => parseSpec({ dataset: 'd', source, valuation: { keep: 0.7, threshold: 0.5 } }, 'spec.json'));
    expect(error).toBeInstanceOf(SpecError);
    expect(error.message).toContain('spec.json: valuation.threshold: set keep (the top fraction) or threshold (a least normalised value), not both');
  });

  it('takes a quarantine mode of four, and a misspelt one gets the four named with its place', () => {
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', quarantine: 'everywhere' } }).valuation.quarantine).toBe('everywhere');
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', quarantine: 'hidden' } }).valuation.quarantine).toBe('hidden');
    const error = errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', quarantine: 'everywher' } }, 'spec.json'));
    expect(error).toBeInstanceOf(SpecError);
    expect(error.message).toMatch(/spec\.json: valuation\.quarantine: .*"context".*"drop".*"hidden".*"everywhere"/);
  });

  it('is the threshold when only a threshold is set, the keep fraction otherwise', () => {
    expect(selectionRule(parseSpec({ dataset: 'd', source, valuation: { threshold: 0.5, lambda: 2 } }).valuation)).toEqual({ threshold: 0.5, lambda: 2, alpha: 1 });
    expect(selectionRule(parseSpec({ dataset: 'd', source, valuation: { keep: 0.6 } }).valuation)).toEqual({ keep: 0.6, lambda: 1, alpha: 1 });
    expect(selectionRule(parseSpec({ dataset: 'd', source }).valuation)).toEqual({ keep: DEFAULT_KEEP, lambda: 1, alpha: 1 });
  });
});

describe('the valuation seed', () => {
  it('defaults to the pretraining seed, so a spec without one values as before', () => {
    const spec = parseSpec({ dataset: 'd', source, pretrain: { seed: 7 } });
    expect(spec.valuation.seed).toBeUndefined();
    expect(valuationSeed(spec)).toBe(7);
  });

  it('is its own when set, and enters the value step fingerprint', () => {
    const spec = parseSpec({ dataset: 'd', source, pretrain: { seed: 7 }, valuation: { method: 'random', seed: 3 } });
    expect(valuationSeed(spec)).toBe(3);
    const implicit = parseSpec({ dataset: 'd', source, pretrain: { seed: 7 }, valuation: { method: 'random' } });
    const explicit = parseSpec({ dataset: 'd', source, pretrain: { seed: 7 }, valuation: { method: 'random', seed: 7 } });
    const config = (s: PipelineSpec) => valueStep.config(s, {} as StepCall) as { seed: number };
    expect(config(spec).seed).toBe(3);
    expect(config(implicit).seed).toBe(7);
    expect(config(explicit).seed).toBe(7);
  });
});

describe('the code version', () => {
  it('is refused in a spec file, saying the CLI sets it', () => {
    const file = path.join(tempDir(), 'spec.json');
    writeFileSync(file, JSON.stringify({ dataset: 'd', source, codeVersion: 'mine' }));
    const error = errorOf(() => loadSpecFile(file));
    expect(error).toBeInstanceOf(SpecError);
    expect(error.message).toContain(`${file}: codeVersion: is set by the CLI from the checkout's commit`);
  });

  it('is what the CLI passes, over the default', () => {
    const file = path.join(tempDir(), 'spec.json');
    writeFileSync(file, JSON.stringify({ dataset: 'd', source }));
    expect(loadSpecFile(file).codeVersion).toBe('dev');
    expect(loadSpecFile(file, { codeVersion: 'abc1234' }).codeVersion).toBe('abc1234');
  });
});

describe('method-specific valuation settings in a spec file', () => {
  function specFile(valuation: object): string {
    const file = path.join(tempDir(), 'spec.json');
    writeFileSync(file, JSON.stringify({ dataset: 'd', source, valuation }));
    return file;
  }

  it('are refused under a method that does not read them, naming the methods they belong to', () => {
    const file = specFile({ method: 'cross-fit', folds: 2, k: 10, maxValidPoints: 500 });
    const error = errorOf(() => loadSpecFile(file));
    expect(error).toBeInstanceOf(SpecError);
    expect(error.message).toContain(`${file}: valuation.k: a setting of knn-shapley only; this spec's method is cross-fit, which does not read it`);
    expect(error.message).toContain(`${file}: valuation.maxValidPoints: a setting of knn-shapley, data-oob, tracin, loss, random, tracin-output only; this spec's method is cross-fit`);
    expect(error.message).not.toContain('valuation.folds');
  });

  it('are accepted under their own method (knn-shapley when none is named)', () => {
    expect(loadSpecFile(specFile({ k: 5, negatives: 2 })).valuation).toMatchObject({ method: 'knn-shapley', k: 5, negatives: 2 });
    expect(loadSpecFile(specFile({ method: 'dynamics', warmupEpochs: 2 })).valuation).toMatchObject({ method: 'dynamics', warmupEpochs: 2 });
    expect(loadSpecFile(specFile({ method: 'tracin-output', warmupEpochs: 2 })).valuation).toMatchObject({ method: 'tracin-output', warmupEpochs: 2, maxValidPoints: 2000 });
    expect(loadSpecFile(specFile({ method: 'data-oob', bags: 8, maxValidPoints: 100 })).valuation).toMatchObject({ bags: 8, maxValidPoints: 100 });
  });
});

describe('the valuation of a spec file, by method', () => {
  function specFile(valuation: object): string {
    const file = path.join(tempDir(), 'spec.json');
    writeFileSync(file, JSON.stringify({ dataset: 'd', source, valuation }));
    return file;
  }

  it('names the methods when the method is unknown', () => {
    const file = specFile({ method: 'shapley' });
    expect(errorOf(() => loadSpecFile(file)).message).toContain(`${file}: valuation.method: unknown method; choose one of knn-shapley, data-oob, tracin, loss, random, cross-fit, dynamics, tracin-output, dealrec`);
  });

  it("checks a setting against its method's own settings: a typo gets the closest one", () => {
    const file = specFile({ method: 'cross-fit', fold: 3 });
    expect(errorOf(() => loadSpecFile(file)).message).toContain(`${file}: valuation.fold: unknown key 'fold'; did you mean 'folds'?`);
  });

  it('is one JSON Schema variant per method in the generated reference', () => {
    const valuation = (specJsonSchema().properties!.valuation as { oneOf: { properties: Record<string, { const?: string; default?: string }> }[] }).oneOf;
    expect(valuation.map((v) => v.properties.method!.const)).toEqual(['knn-shapley', 'data-oob', 'tracin', 'loss', 'random', 'cross-fit', 'dynamics', 'tracin-output', 'dealrec']);
    expect(Object.keys(valuation[5]!.properties)).toContain('folds');
    expect(Object.keys(valuation[5]!.properties)).not.toContain('k');
  });
});

describe('a parsed spec written back as a file', () => {
  it('loads again as the same spec: the code version and the other methods\' settings are left out', () => {
    for (const valuation of [{ method: 'cross-fit', keep: 0.9, lambda: 0 }, { method: 'knn-shapley', k: 5 }, { method: 'dynamics', warmupEpochs: 2, quarantine: 'drop' }, { method: 'tracin-output', warmupEpochs: 3, maxValidPoints: 50 }, { method: 'dynamics', dynamicsScore: 'margin' }, { method: 'dealrec', effortWeight: 0.5 }, { method: 'tracin-output', lastBlock: true }]) {
      const spec = parseSpec({ dataset: 'd', source, valuation, codeVersion: 'abc' });
      const file = path.join(tempDir(), 'spec.json');
      writeFileSync(file, JSON.stringify(specFileContents(spec)));
      const again = loadSpecFile(file);
      expect({ ...again, source: spec.source, codeVersion: 'abc' }).toEqual(spec);
      expect(JSON.stringify(specFileContents(spec))).not.toContain('codeVersion');
    }
  });
});

describe('the parsed valuation', () => {
  it("holds its method's settings alone, and a spec built in code is held to that as a file is", () => {
    expect(Object.keys(parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit' } }).valuation).sort()).toEqual(['alpha', 'directions', 'folds', 'lambda', 'method', 'quarantine', 'refitKeep', 'rounds', 'score', 'unit', 'warmupEpochs']);
    expect(parseSpec({ dataset: 'd', source }).valuation).toMatchObject({ method: 'knn-shapley', k: 10, negatives: 1, contextLen: 20, maxValidPoints: 2000 });
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'dynamics', bags: 8 } }, 'bench')).message).toContain("bench: valuation.bags: a setting of data-oob only; this spec's method is dynamics");
  });

  it('scores cross-fit against a sample of the catalogue when scoreItems is set, and says where a bad count is', () => {
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', scoreItems: 4096 } }).valuation).toMatchObject({ method: 'cross-fit', scoreItems: 4096 });
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', scoreItems: 8 } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.scoreItems: .*16/);
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'dynamics', scoreItems: 4096 } }, 'spec.json')).message).toContain("valuation.scoreItems: a setting of cross-fit only; this spec's method is dynamics");
  });

  it('values cross-fit again in later rounds when rounds is set, and says where a bad round count or refit share is', () => {
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit' } }).valuation).toMatchObject({ rounds: 1, refitKeep: 0.9 });
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', rounds: 2, refitKeep: 0.8 } }).valuation).toMatchObject({ rounds: 2, refitKeep: 0.8 });
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', rounds: 0 } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.rounds: .*1/);
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', refitKeep: 1 } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.refitKeep: .*1/);
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'dynamics', rounds: 2 } }, 'spec.json')).message).toContain("valuation.rounds: a setting of cross-fit only; this spec's method is dynamics");
  });

  it('reads cross-fit forward unless directions asks for both, and says where a bad direction is', () => {
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit' } }).valuation).toMatchObject({ directions: 'forward' });
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', directions: 'both' } }).valuation).toMatchObject({ directions: 'both' });
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', directions: 'backward' } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.directions: .*"forward"\|"both"/);
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'loss', directions: 'both' } }, 'spec.json')).message).toContain("valuation.directions: a setting of cross-fit only; this spec's method is loss");
  });

  it('reads the training-dynamics reading and DEALRec\'s weights under their own methods, and says where a bad one is', () => {
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'dynamics' } }).valuation).toMatchObject({ dynamicsScore: 'mean-loss' });
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'dynamics', dynamicsScore: 'forgetting' } }).valuation).toMatchObject({ dynamicsScore: 'forgetting' });
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'dealrec' } }).valuation).toMatchObject({ warmupEpochs: 4, influencePoints: 2000, effortWeight: 1 });
    expect(parseSpec({ dataset: 'd', source, valuation: { method: 'tracin-output' } }).valuation).toMatchObject({ lastBlock: false });
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'tracin-output', lastBlock: 'yes' } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.lastBlock: .*boolean/);
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'dynamics', dynamicsScore: 'aum' } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.dynamicsScore: .*"mean-loss"\|"margin"\|"loss-trend"\|"forgetting"/);
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'dealrec', effortWeight: -1 } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.effortWeight: .*0/);
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'dealrec', influencePoints: 0 } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.influencePoints: .*1/);
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', dynamicsScore: 'margin' } }, 'spec.json')).message).toContain("valuation.dynamicsScore: a setting of dynamics only; this spec's method is cross-fit");
  });

  it('spreads the keep share over value bands when strata is set, with keep and not threshold', () => {
    const dealrec = parseSpec({ dataset: 'd', source, valuation: { method: 'dealrec', keep: 0.5, strata: 20 } }).valuation;
    expect(selectionRule(dealrec)).toEqual({ keep: 0.5, lambda: 1, alpha: 1, strata: 20 });
    expect(selectionRule(parseSpec({ dataset: 'd', source, valuation: { method: 'dealrec', keep: 0.5 } }).valuation)).not.toHaveProperty('strata');
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'dealrec', threshold: 0.5, strata: 20 } }, 'spec.json')).message).toContain('spec.json: valuation.strata: strata spreads the keep share over bands of value; set keep, not threshold');
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'dealrec', strata: 1 } }, 'spec.json')).message).toMatch(/spec\.json: valuation\.strata: .*2/);
  });

  it('refreshes dynamics values during the fine-tune only where the schedule can follow the spec, and says why not where it cannot', () => {
    const dynamics = (over: object, finetune: object = { epochs: 10 }) => ({ dataset: 'd', source, finetune, valuation: { method: 'dynamics', warmupEpochs: 3, keep: 0.9, quarantine: 'drop', ...over } });
    const spec = parseSpec(dynamics({ refreshes: 2 }));
    expect(epochsTrainedByValueStep(spec.valuation)).toBe(6);
    expect(epochsTrainedByValueStep(parseSpec(dynamics({})).valuation)).toBe(0);
    expect(parseSpec(dynamics({ refreshes: 2, quarantine: 'hidden' })).valuation).toMatchObject({ refreshes: 2, quarantine: 'hidden' });
    const refused = (over: object, finetune?: object) => errorOf(() => parseSpec(dynamics(over, finetune), 'spec.json')).message;
    expect(refused({ refreshes: 2, keep: undefined, threshold: 0.2 })).toContain('spec.json: valuation.refreshes: refreshes moves the top keep share out step by step; set keep, not threshold or strata');
    expect(refused({ refreshes: 2, strata: 10 })).toContain('valuation.refreshes: refreshes moves the top keep share out');
    expect(refused({ refreshes: 2, unit: 'user' })).toContain("spec.json: valuation.refreshes: refreshes moves interactions out one by one; set unit 'interaction'");
    expect(refused({ refreshes: 2, quarantine: 'everywhere' })).toContain("spec.json: valuation.refreshes: refreshes continues the warm-up's model, and quarantine 'everywhere' pretrains a new one on the kept rows; set quarantine 'hidden'");
    expect(refused({ refreshes: 0 })).toMatch(/spec\.json: valuation\.refreshes: .*1/);
    expect(refused({ refreshes: 2 }, { epochs: 6 })).toContain('spec.json: valuation.refreshes: 2 segments of warmupEpochs=3 leave none of finetune.epochs=6 to the valued fine-tune; lower refreshes or warmupEpochs, or raise finetune.epochs');
    expect(errorOf(() => parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', refreshes: 2 } }, 'spec.json')).message).toContain('valuation.refreshes: a setting of dynamics only');
  });

  it('of one method is built from a bag of settings by keeping those it reads', () => {
    const settings = { k: 5, bags: 8, negatives: 2, maxValidPoints: 300, unit: 'user' };
    expect(valuationOf('data-oob', settings)).toEqual({ method: 'data-oob', bags: 8, negatives: 2, contextLen: 20, maxValidPoints: 300, unit: 'user', lambda: 1, alpha: 1, quarantine: 'context' });
    expect(valuationOf('cross-fit', settings)).not.toHaveProperty('k');
  });

  it('enters the spec digest in one form for every method: a spec digests as the runs recorded with it did', () => {
    // digests of each method's default valuation, as recorded runs carry them
    const recorded: Record<string, string> = {
      'knn-shapley': 'd15517003010b52dc371c65ccf7721c563460197290813ed9810c65f5acbc463',
      'data-oob': 'ecd58cdb7500f281c2c649a7675212fb871f524884fa7aad75852780c6896a59',
      'cross-fit': 'a656ace45bb07225d760bdf4ba0cf91b517f8c4d07047ee2bdfec42ac634ee2b',
      dynamics: 'b97d68af7790659fab8bec39171deccb149bcba99cf4893aae976afe8cb5b8ba',
    };
    for (const [method, digest] of Object.entries(recorded)) {
      expect(specDigest({ valuation: parseSpec({ dataset: 'd', source, valuation: { method } }).valuation }), method).toBe(digest);
    }
    // a setting added later enters the digest once it leaves its default
    for (const later of [{ rounds: 2 }, { directions: 'both' }]) {
      expect(specDigest({ valuation: parseSpec({ dataset: 'd', source, valuation: { method: 'cross-fit', ...later } }).valuation }), JSON.stringify(later)).not.toBe(recorded['cross-fit']);
    }
    expect(specDigest({ valuation: parseSpec({ dataset: 'd', source, valuation: { method: 'dynamics', dynamicsScore: 'margin' } }).valuation })).not.toBe(recorded.dynamics);
  });
});
