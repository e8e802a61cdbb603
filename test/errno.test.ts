/** File-system error codes read as what they mean, never as a guess: EROFS is not "not found", ELOOP is not "outside the run". */
import { describe, expect, it } from 'vitest';
import { describeErrno } from '../src/errno.ts';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something`), { code });

describe('describeErrno', () => {
  it.each([
    ['EROFS', 'the file system is read-only (EROFS)'],
    ['ENOENT', 'it does not exist (ENOENT)'],
    ['ELOOP', 'it is a loop of symbolic links (ELOOP)'],
    ['ENOSPC', 'the disk is full (ENOSPC)'],
    ['ENOTEMPTY', 'a folder of that name already exists and is not empty (ENOTEMPTY)'],
  ])('says what %s means', (code, words) => {
    expect(describeErrno(errno(code))).toBe(words);
  });

  it('gives every known code different words, so no two causes read alike', async () => {
    const codes = [
      'ENOENT',
      'ENOTDIR',
      'EISDIR',
      'EEXIST',
      'ENOTEMPTY',
      'EACCES',
      'EPERM',
      'EROFS',
      'ENOSPC',
      'EDQUOT',
      'ELOOP',
      'ENAMETOOLONG',
      'EMFILE',
      'ENFILE',
      'EBUSY',
      'EIO',
      'EXDEV',
      'EINVAL',
    ];
    const words = codes.map((code) => describeErrno(errno(code)).replace(/ \(\w+\)$/, ''));
    expect(new Set(words).size).toBe(codes.length);
  });

  it('keeps an unknown code, and the message of an error without one', () => {
    expect(describeErrno(errno('EWHATEVER'))).toBe('EWHATEVER');
    expect(describeErrno(new Error('plain failure'))).toBe('plain failure');
  });
});
