/**
 * TEST SEAM, inert in normal use: `RUNPAGES_TEST_KILL_AT=<step>` makes the process SIGKILL itself
 * at the named step of queueing or publishing, so the crash tests can prove that a kill at every
 * step leaves each run recoverable by `runpages sync` (test/stress/crash.test.ts). Steps are named
 * `<where>:<what just happened>`; `RUNPAGES_TEST_KILL_AT=list` prints each step as it is passed.
 */
const target = process.env.RUNPAGES_TEST_KILL_AT;

export function testKillPoint(step: string): void {
  if (target === undefined) return;
  if (target === 'list') process.stderr.write(`runpages-test-kill-point ${step}\n`);
  else if (target === step) process.kill(process.pid, 'SIGKILL');
}
