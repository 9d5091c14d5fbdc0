// Lineage walks over the artifact → step → artifact graph. The recursion is a recursive CTE
// (the query builder has no recursive WITH); everything around it goes through the builder.
// UNION (not UNION ALL) in the CTE drops steps already visited, so the walk ends even if a
// cache hit ever linked an artifact back into its own ancestry.
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Database } from './open-database';
import { artifacts, edges, steps, type ArtifactRow, type EdgeRow, type StepRow } from './schema';

export interface LineageGraph {
  steps: StepRow[];
  artifacts: ArtifactRow[];
  /** edges between the steps and artifacts above, nothing outside them */
  edges: EdgeRow[];
  /** artifacts in the graph that no step in the graph produced: for upstream, the raw inputs */
  sources: ArtifactRow[];
}

export type UpstreamStart = { uri: string } | { runId: string };

const walk = sql.identifier('walk');
const consumed = alias(edges, 'consumed');
const produced = alias(edges, 'produced');

/**
 * Everything an artifact (or a whole run's outputs) was made from: every step attempt and
 * every artifact back to the raw inputs. Siblings that were written but not used on the way
 * (a rejects file next to the training split) are left out.
 */
export async function upstream(db: Database, start: UpstreamStart): Promise<LineageGraph> {
  let seedSteps: SQL;
  let seedArtifactIds: number[];
  if ('uri' in start) {
    const artifact = await requireArtifact(db, start.uri, 'upstream');
    seedSteps = sql`select ${edges.stepId} from ${edges} where ${edges.artifactId} = ${artifact.id} and ${edges.direction} = 'output'`;
    seedArtifactIds = [artifact.id];
  } else {
    seedSteps = sql`select ${steps.id} from ${steps} where ${steps.runId} = ${start.runId}`;
    const outputs = await db
      .selectDistinct({ id: edges.artifactId })
      .from(edges)
      .innerJoin(steps, eq(steps.id, edges.stepId))
      .where(and(eq(steps.runId, start.runId), eq(edges.direction, 'output')));
    seedArtifactIds = outputs.map((o) => o.id);
  }
  // a step is upstream if it produced something that an upstream step consumed
  const stepIds = sql`(with recursive ${walk}(step_id) as (
      ${seedSteps}
      union
      select ${produced.stepId} from ${walk}
        join ${edges} as ${consumed} on ${consumed.stepId} = ${walk}.step_id and ${consumed.direction} = 'input'
        join ${edges} as ${produced} on ${produced.artifactId} = ${consumed.artifactId} and ${produced.direction} = 'output'
    ) select step_id from ${walk})`;
  return assembleGraph(db, stepIds, seedArtifactIds, 'input');
}

/** Everything derived from an artifact: every step that consumed it, transitively, and what they wrote. */
export async function downstream(db: Database, uri: string): Promise<LineageGraph> {
  const artifact = await requireArtifact(db, uri, 'downstream');
  // a step is downstream if it consumed something a downstream step produced
  const stepIds = sql`(with recursive ${walk}(step_id) as (
      select ${edges.stepId} from ${edges} where ${edges.artifactId} = ${artifact.id} and ${edges.direction} = 'input'
      union
      select ${consumed.stepId} from ${walk}
        join ${edges} as ${produced} on ${produced.stepId} = ${walk}.step_id and ${produced.direction} = 'output'
        join ${edges} as ${consumed} on ${consumed.artifactId} = ${produced.artifactId} and ${consumed.direction} = 'input'
    ) select step_id from ${walk})`;
  return assembleGraph(db, stepIds, [artifact.id], 'output');
}

/**
 * Reads the walked steps and keeps the artifacts on the walk's side of them: their inputs for
 * an upstream walk, their outputs for a downstream one, plus the artifacts the walk started at.
 */
async function assembleGraph(
  db: Database,
  stepIdsSubquery: SQL,
  seedArtifactIds: readonly number[],
  side: EdgeRow['direction'],
): Promise<LineageGraph> {
  const walkedSteps = await db
    .select()
    .from(steps)
    .where(inArray(steps.id, stepIdsSubquery))
    .orderBy(asc(steps.startedAt), asc(steps.id));
  const stepIds = walkedSteps.map((s) => s.id);
  const stepEdges = stepIds.length === 0 ? [] : await db.select().from(edges).where(inArray(edges.stepId, stepIds));

  const keep = new Set<number>(seedArtifactIds);
  for (const e of stepEdges) if (e.direction === side) keep.add(e.artifactId);
  const graphEdges = stepEdges
    .filter((e) => keep.has(e.artifactId))
    .sort((a, b) => a.stepId - b.stepId || a.artifactId - b.artifactId || a.direction.localeCompare(b.direction));
  const graphArtifacts =
    keep.size === 0 ? [] : await db.select().from(artifacts).where(inArray(artifacts.id, [...keep])).orderBy(asc(artifacts.id));

  const produced = new Set(graphEdges.filter((e) => e.direction === 'output').map((e) => e.artifactId));
  return {
    steps: walkedSteps,
    artifacts: graphArtifacts,
    edges: graphEdges,
    sources: graphArtifacts.filter((a) => !produced.has(a.id)),
  };
}

async function requireArtifact(db: Database, uri: string, caller: string): Promise<ArtifactRow> {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.uri, uri));
  if (!row) throw new Error(`${caller}: no artifact recorded with uri ${uri}; check the uri (lineage records it via recordArtifact).`);
  return row;
}
