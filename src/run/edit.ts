/**
 * Changes to a run after the fact (`runpages edit`, `archive`, `unarchive`): a pure function from
 * the record's fields and the edit to the new fields. Only what a person decides later changes
 * (name, tags, notes, archived); what the job recorded never does.
 */

export interface RunEdit {
  name?: string;
  /** Tags to add (`--tag +best` or `--tag best`) and to remove (`--tag -draft`). */
  addTags?: readonly string[];
  removeTags?: readonly string[];
  /** A paragraph appended to the notes. */
  note?: string;
  /** true archives, false unarchives. */
  archived?: boolean;
}

/**
 * Splits `--tag` values into tags to add and to remove: `+best` and `best` add, `-draft` removes.
 *
 * @example parseTagEdits(['+best', '-draft', 'v2']) // { addTags: ['best', 'v2'], removeTags: ['draft'] }
 */
export function parseTagEdits(values: readonly string[]): { addTags: string[]; removeTags: string[] } {
  const addTags: string[] = [];
  const removeTags: string[] = [];
  for (const value of values) {
    if (value.startsWith('-')) removeTags.push(value.slice(1));
    else addTags.push(value.startsWith('+') ? value.slice(1) : value);
  }
  return { addTags, removeTags };
}

/**
 * The record's fields after `edit`; fields it does not name are kept as they are (unknown ones too).
 *
 * @example applyEdit({ tags: ['draft'] }, { addTags: ['best'], removeTags: ['draft'] }).tags // ['best']
 */
export function applyEdit(record: Readonly<Record<string, unknown>>, edit: RunEdit): Record<string, unknown> {
  const next: Record<string, unknown> = { ...record };
  if (edit.name !== undefined) next.name = edit.name;
  if (edit.addTags?.length || edit.removeTags?.length) {
    const removed = new Set(edit.removeTags ?? []);
    const tags = (Array.isArray(record.tags) ? (record.tags as unknown[]) : []).filter((tag) => typeof tag !== 'string' || !removed.has(tag));
    for (const tag of edit.addTags ?? []) if (!tags.includes(tag) && !removed.has(tag)) tags.push(tag);
    next.tags = tags;
  }
  if (edit.note !== undefined && edit.note.trim() !== '') {
    const notes = typeof record.notes === 'string' ? record.notes.trimEnd() : '';
    next.notes = notes ? `${notes}\n\n${edit.note.trim()}\n` : `${edit.note.trim()}\n`;
  }
  if (edit.archived === true) next.archived = true;
  if (edit.archived === false) delete next.archived;
  return next;
}
