/** Project names from foreign names (MLflow experiments, logdir folders), fitted to PROJECT_PATTERN. */

/**
 * A name usable as a project: runs of other characters become `-`, leading punctuation goes, at
 * most 64 characters; `fallback` when nothing is left.
 *
 * @example
 * projectName('My Experiment / v2', 'mlflow-1') // 'My-Experiment-v2'
 */
export function projectName(name: string, fallback: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 64)
    .replace(/[-.]+$/, '');
  return cleaned || fallback;
}
