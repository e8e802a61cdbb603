/**
 * Which artifact paths are safe to write. An artifact path comes from run data (a run record, an
 * imported folder, the TypeScript API) and later becomes a file under someone's folder (`runpages
 * pull`), so it must stay inside that folder and must not plant anything a tool there would obey:
 * a `.git` folder (its `config` can set `core.fsmonitor`, which runs at the next `git status`), or a
 * name Windows reads as another (`.GIT.`, `git~1`, `CON`). Pure; the one rule used by the schema,
 * the recorder, the importers and the pull writer.
 */

/** Windows device names, reserved in every folder and with any extension. */
const DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why one path component (a file or folder name) is unsafe, or undefined when it is fine.
 *
 * @example componentProblem('.GIT ') // 'is a .git folder (git would run its hooks and config)'
 */
export function componentProblem(name: string): string | undefined {
  if (name === '') return 'has an empty segment (a leading, trailing or doubled "/")';
  if (name === '.' || name === '..') return `has a "${name}" segment`;
  if (CONTROL.test(name)) return 'contains a control character';
  if (name.includes('\\')) return 'contains a backslash (use "/" between folders)';
  // Windows and macOS compare names case-insensitively, Windows drops trailing dots and spaces and
  // reads "name:stream" as the file "name": all of these are the same folder as ".git" somewhere.
  const windowsName = name
    .split(':')[0]!
    .replace(/[. ]+$/, '')
    .toLowerCase();
  if (windowsName === '.git' || /^git~\d+$/.test(windowsName)) return 'is a .git folder (git would obey its config and hooks)';
  if (DEVICE.test(windowsName) || DEVICE.test(name.replace(/[. ]+$/, ''))) return 'is a Windows device name';
  return undefined;
}

/**
 * Why an artifact path (relative, `/`-separated) is unsafe to write under a folder, or undefined.
 *
 * @example artifactPathProblem('plots/loss.png') // undefined
 * @example artifactPathProblem('../x') // 'has a ".." segment'
 */
export function artifactPathProblem(path: string): string | undefined {
  if (path === '') return 'is empty';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'is absolute';
  for (const part of path.split('/')) {
    const problem = componentProblem(part);
    if (problem) return problem;
  }
  return undefined;
}
