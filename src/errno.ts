/**
 * File-system error codes in words, in one place: a message built from a guess ("not found" for
 * every failure) sends the user after the wrong problem, e.g. a read-only disk reported as a missing
 * folder, or a loop of symbolic links reported as a link leading outside the run.
 */

const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'it does not exist',
  ENOTDIR: 'a file stands where a folder should be',
  EISDIR: 'it is a folder, not a file',
  EEXIST: 'something already exists there',
  ENOTEMPTY: 'a folder of that name already exists and is not empty',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  ELOOP: 'it is a loop of symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open on this system',
  EBUSY: 'it is busy (in use by another process)',
  EIO: 'the disk reported an I/O error',
  EXDEV: 'it is on another file system',
  EINVAL: 'the operation is not valid for it',
};

/** The errno code of an error, if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * What a file-system error means, in words, with the code: `the file system is read-only (EROFS)`.
 * Errors without a known code keep their own message.
 *
 * @example
 * `cannot write ${path}: ${describeErrno(error)}`
 */
export function describeErrno(error: unknown): string {
  const code = errnoCode(error);
  const words = code ? ERRNO_WORDS[code] : undefined;
  if (words) return `${words} (${code})`;
  return code ?? (error instanceof Error ? error.message : String(error));
}
