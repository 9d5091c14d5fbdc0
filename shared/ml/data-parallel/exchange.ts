// The shared memory of data-parallel training (see group.ts for the protocol): one
// SharedArrayBuffer holds every thread's gradient (two copies, alternating by step, so a thread
// still summing step s never reads a region another thread is already writing for step s+1),
// and a small Int32Array of control slots drives the lockstep with Atomics.
// The mean weighs each part by its number of samples and sums in part order, so every replica
// applies exactly the same floats. Each thread reduces only its slice, not the whole mean,
// which on a large item table is a noticeable share of a step (docs/performance.md).

/** One thread's share of a step: its mean loss, its sample count, and its gradient (null when it had no samples). */
export interface PartResult {
  readonly loss: number;
  readonly samples: number;
  readonly grads: ReadonlyMap<string, Float32Array> | null;
}

/** Indices of the shared control words (Int32 slots of SharedStep.control). */
export const SLOT = {
  /** bumped by the main thread to start a step or post a command */
  GEN: 0,
  /** set to GEN once every part of the step is in, so the threads may reduce */
  RELEASE: 1,
  /** worker parts of the current step written */
  DONE: 2,
  /** what GEN's bump asks for: one of COMMAND */
  COMMAND: 3,
  EPOCH: 4,
  BATCH: 5,
  /** non-zero once any thread failed; its message is in the error buffer */
  FAILED: 6,
  ERROR_BYTES: 7,
  /** slices of the shared mean reduced, over all steps so far */
  MEANED: 8,
} as const;
const CONTROL_WORDS = Object.keys(SLOT).length;


/** The commands the main thread posts in SLOT.COMMAND. */
export const COMMAND = { STEP: 1, EXIT: 2 } as const;
/** slice bounds of the shared mean are multiples of this many values (64-byte cache lines) */
const SLICE_ALIGN = 16;
const ERROR_CAPACITY = 4096;
const WAIT_MS = 1000;

export interface SharedStep {
  readonly control: SharedArrayBuffer;
  readonly gradients: SharedArrayBuffer;
  /**
   * the step's mean gradient, one slice reduced by each thread. One copy suffices: a thread
   * writes step s+1's slice only after every part of s+1 is in, that is after every thread has
   * finished step s's Adam, the last reader of step s's mean.
   */
  readonly means: SharedArrayBuffer;
  /** per parity and part: [loss, samples] */
  readonly losses: SharedArrayBuffer;
  readonly error: SharedArrayBuffer;
}

/** The layout both sides read: parameter order, offsets and the shared buffers. */
export class StepExchange {
  readonly control: Int32Array;
  readonly losses: Float64Array;
  private readonly gradients: Float32Array;
  private readonly means: Float32Array;
  private readonly error: Uint8Array;
  private chunk: Float64Array | null = null;
  readonly offsets: number[] = [];
  readonly total: number;

  constructor(
    readonly shared: SharedStep,
    readonly names: string[],
    readonly sizes: number[],
    readonly threads: number,
  ) {
    let at = 0;
    for (const size of sizes) {
      this.offsets.push(at);
      at += size;
    }
    this.total = at;
    this.control = new Int32Array(shared.control);
    this.losses = new Float64Array(shared.losses);
    this.gradients = new Float32Array(shared.gradients);
    this.means = new Float32Array(shared.means);
    this.error = new Uint8Array(shared.error);
  }

  static create(names: string[], sizes: number[], threads: number): StepExchange {
    const total = sizes.reduce((a, b) => a + b, 0);
    return new StepExchange(
      {
        control: new SharedArrayBuffer(CONTROL_WORDS * 4),
        gradients: new SharedArrayBuffer(2 * threads * total * 4),
        means: new SharedArrayBuffer(total * 4),
        losses: new SharedArrayBuffer(2 * threads * 2 * 8),
        error: new SharedArrayBuffer(ERROR_CAPACITY),
      },
      names,
      sizes,
      threads,
    );
  }

  private region(parity: number, part: number): Float32Array {
    const from = (parity * this.threads + part) * this.total;
    return this.gradients.subarray(from, from + this.total);
  }

  /** Writes one part's gradient (by parameter name) and its loss; an empty part writes only its zero sample count. */
  write(parity: number, part: number, result: PartResult): void {
    const region = this.region(parity, part);
    if (result.grads) {
      for (const [i, name] of this.names.entries()) {
        const g = result.grads.get(name);
        if (!g || g.length !== this.sizes[i]) throw new Error(`data-parallel step: part ${part} has no gradient of size ${this.sizes[i]} for '${name}'`);
        region.set(g, this.offsets[i]);
      }
    }
    this.losses[(parity * this.threads + part) * 2] = result.loss;
    this.losses[(parity * this.threads + part) * 2 + 1] = result.samples;
  }

  /**
   * The sample-weighted mean of every part's gradient and loss, reduced by this thread alone;
   * valid until the next step. A group's threads call sharedMean instead.
   */
  mean(parity: number): { loss: number; grads: Map<string, Float32Array> } {
    this.reduce(parity, 0, this.total);
    return { loss: this.meanLoss(parity), grads: this.meanViews() };
  }

  /**
   * The same mean, reduced by all `threads` together: this thread (`part`) reduces its slice,
   * then waits for the others' (step `round` of the group, counted from 0).
   */
  sharedMean(parity: number, part: number, round: number): { loss: number; grads: Map<string, Float32Array> } {
    const size = Math.ceil(this.total / this.threads / SLICE_ALIGN) * SLICE_ALIGN;
    this.reduce(parity, Math.min(this.total, part * size), Math.min(this.total, (part + 1) * size));
    this.bump(SLOT.MEANED);
    this.waitFor(SLOT.MEANED, (round + 1) * this.threads);
    return { loss: this.meanLoss(parity), grads: this.meanViews() };
  }

  private shares(parity: number): number[] {
    let samples = 0;
    for (let p = 0; p < this.threads; p++) samples += this.losses[(parity * this.threads + p) * 2 + 1] as number;
    return Array.from({ length: this.threads }, (_, p) => (this.losses[(parity * this.threads + p) * 2 + 1] as number) / samples);
  }

  private meanLoss(parity: number): number {
    let loss = 0;
    for (const [p, share] of this.shares(parity).entries()) if (share > 0) loss += share * (this.losses[(parity * this.threads + p) * 2] as number);
    return loss;
  }

  /**
   * means[from, to) = Σ_p share_p · part p's gradient, summed in f64 in part order from 0 and
   * rounded once; parts without samples are skipped. Two parts (the common case) take one fused
   * pass; more go through a small f64 chunk that stays in cache.
   */
  private reduce(parity: number, from: number, to: number): void {
    const parts = this.shares(parity).flatMap((share, p) => (share > 0 ? [{ share, region: this.region(parity, p) }] : []));
    const out = this.means;
    if (parts.length === 2) {
      const [a, b] = parts as [(typeof parts)[0], (typeof parts)[0]];
      for (let i = from; i < to; i++) out[i] = 0 + a.share * (a.region[i] as number) + b.share * (b.region[i] as number);
      return;
    }
    const chunk = (this.chunk ??= new Float64Array(4096));
    for (let lo = from; lo < to; lo += chunk.length) {
      const n = Math.min(chunk.length, to - lo);
      chunk.fill(0, 0, n);
      for (const { share, region } of parts) for (let i = 0; i < n; i++) chunk[i] = (chunk[i] as number) + share * (region[lo + i] as number);
      for (let i = 0; i < n; i++) out[lo + i] = chunk[i] as number;
    }
  }

  private meanViews(): Map<string, Float32Array> {
    const grads = new Map<string, Float32Array>();
    for (const [i, name] of this.names.entries()) grads.set(name, this.means.subarray(this.offsets[i], (this.offsets[i] as number) + (this.sizes[i] as number)));
    return grads;
  }

  /** Blocks until control[index] ≥ target, or throws when a thread reported a failure. */
  waitFor(index: number, target: number): void {
    for (;;) {
      const now = Atomics.load(this.control, index);
      if (now >= target) return;
      if (Atomics.load(this.control, SLOT.FAILED) !== 0) throw new Error(`data-parallel training: a worker thread failed: ${this.errorText()}`);
      Atomics.wait(this.control, index, now, WAIT_MS);
    }
  }

  fail(message: string): void {
    const bytes = new TextEncoder().encode(message).subarray(0, ERROR_CAPACITY);
    this.error.set(bytes);
    Atomics.store(this.control, SLOT.ERROR_BYTES, bytes.length);
    Atomics.store(this.control, SLOT.FAILED, 1);
    for (const index of [SLOT.GEN, SLOT.RELEASE, SLOT.DONE, SLOT.MEANED]) Atomics.notify(this.control, index);
  }

  errorText(): string {
    return new TextDecoder().decode(this.error.slice(0, Atomics.load(this.control, SLOT.ERROR_BYTES)));
  }

  bump(index: number): number {
    const value = Atomics.add(this.control, index, 1) + 1;
    Atomics.notify(this.control, index);
    return value;
  }

  set(index: number, value: number): void {
    Atomics.store(this.control, index, value);
    Atomics.notify(this.control, index);
  }
}
