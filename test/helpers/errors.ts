/** Assertions on the errors users see. */
import { expect } from 'vitest';
import { RunpagesError } from '../../src/errors.ts';

/** Awaits a promise that must reject with a RunpagesError, and returns that error. */
export async function rejection(promise: Promise<unknown>): Promise<RunpagesError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunpagesError);
  return error as RunpagesError;
}
