// The readings of a training-dynamics warm-up (training-dynamics.ts), apart from the module that
// trains, so that specs and flags can name them without loading the ML stack.
export const DYNAMICS_SCORES = ['mean-loss', 'margin', 'loss-trend', 'forgetting'] as const;
export type DynamicsScore = (typeof DYNAMICS_SCORES)[number];
