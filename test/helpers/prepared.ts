/** PreparedRuns built directly, for tests of the branch writer that need no run directory. */
import { createHash } from 'node:crypto';
import { stringifyYaml } from '../../src/run/yaml.ts';
import type { PreparedRun } from '../../src/run/prepared.ts';
import { RunRecordSchema, RUN_SCHEMA, type RunRecordInput } from '../../src/run/schema.ts';

/** A valid run with `run.yaml` (and any extra files), optionally carrying one in-memory object. */
export function preparedRun(
  id: string,
  options: { project?: string; created?: string; files?: Record<string, string>; object?: string; record?: Partial<RunRecordInput> } = {},
): PreparedRun {
  const objects: PreparedRun['objects'] = [];
  const artifacts: { path: string; sha256: string; size: number }[] = [];
  if (options.object !== undefined) {
    const data = Buffer.from(options.object);
    const sha256 = createHash('sha256').update(data).digest('hex');
    objects.push({ sha256, size: data.length, source: { data } });
    artifacts.push({ path: 'object.txt', sha256, size: data.length });
  }
  const record = RunRecordSchema.parse({
    schema: RUN_SCHEMA,
    id,
    name: `run-${id}`,
    project: options.project ?? 'demo',
    status: 'finished',
    created: options.created ?? '2026-01-15T10:00:00Z',
    params: { lr: 0.1 },
    metrics: { acc: 0.9 },
    artifacts,
    ...options.record,
  });
  return { record, files: { 'run.yaml': stringifyYaml(record), ...options.files }, objects };
}
