/**
 * The build cache's pack (src/site/pack.ts): values survive a reopen, a dead build's leftovers go,
 * a second live build gets a private pack, and dead bytes are reclaimed.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pack, PackReader } from '../src/site/pack.ts';
import { tempDir } from './helpers/git.ts';

let dir: string;
beforeEach(() => {
  dir = join(tempDir('runpages-pack-'), 'pack');
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

const segments = () => readdirSync(dir).filter((file) => file.endsWith('.seg'));

describe('the pack', () => {
  it('keeps values across builds and drops those of runs no longer built', () => {
    const first = Pack.open(dir);
    first.putValue('series:a', { value: [1, Number.NaN, Number.POSITIVE_INFINITY] });
    first.put('series:b', Buffer.from('bee'));
    first.save(() => true);
    first.close();

    const second = Pack.open(dir);
    expect(second.getValue('series:a')).toEqual({ value: [1, Number.NaN, Number.POSITIVE_INFINITY] });
    second.put('series:c', Buffer.from('sea'));
    second.save((key) => key !== 'series:b');
    second.close();

    const reader = new PackReader(dir);
    expect(reader.has('series:b')).toBe(false);
    expect(reader.get('series:c')?.toString()).toBe('sea');
    reader.close();
  });

  it('deletes the segment of a build that died before saving', () => {
    const dying = Pack.open(dir);
    dying.put('series:a', Buffer.from('never indexed'));
    // The process "dies": no save, and its lock names a pid that no longer runs.
    writeFileSync(join(dir, 'lock'), '999999999');
    expect(segments()).toHaveLength(1);
    const next = Pack.open(dir);
    expect(segments()).toHaveLength(0);
    expect(next.has('series:a')).toBe(false);
    next.close();
  });

  it('gives a second live build a private pack it removes when done', () => {
    const owner = Pack.open(dir);
    owner.put('series:a', Buffer.from('owned'));
    owner.save(() => true);
    const other = Pack.open(dir);
    expect(other.dir).not.toBe(dir);
    expect(other.has('series:a')).toBe(false);
    other.put('series:b', Buffer.from('private'));
    other.save(() => true);
    expect(new PackReader(other.dir).get('series:b')?.toString()).toBe('private');
    other.close();
    expect(existsSync(other.dir)).toBe(false);
    owner.close();
    expect(new PackReader(dir).get('series:a')?.toString()).toBe('owned');
  });

  it('rewrites itself when most of its bytes belong to runs that are gone', () => {
    const big = Buffer.alloc(40 * 1024 * 1024, 1);
    const first = Pack.open(dir);
    first.put('series:gone1', big);
    first.put('series:gone2', big);
    first.put('series:kept', Buffer.from('small'));
    first.save(() => true);
    first.close();
    const before = segments();

    const second = Pack.open(dir);
    second.save((key) => key === 'series:kept');
    second.close();
    expect(segments()).toHaveLength(1);
    expect(segments()).not.toEqual(before);
    expect(new PackReader(dir).get('series:kept')?.toString()).toBe('small');
  });
});
