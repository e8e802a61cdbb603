/**
 * The push budget (src/branch/push-rate.ts): how long a writer waits so that at most `perMinute`
 * pushes fall in any minute, from the times of the pushes it can see.
 */
import { describe, expect, it } from 'vitest';
import { PUSH_LATENCY_MARGIN_S, pushWait } from '../../src/branch/push-rate.ts';

describe('pushWait', () => {
  it('lets a push go while the last minute holds fewer pushes than the bound', () => {
    expect(pushWait([], 1_000, 6)).toBe(0);
    expect(pushWait([995, 996, 997, 998, 999], 1_000, 6)).toBe(0);
    expect(pushWait([900, 910, 920, 930, 930, 934], 1_000, 6)).toBe(0); // all older than a minute and the latency margin
  });

  it('waits until the oldest push of a full minute leaves it, with a margin for push latency', () => {
    expect(pushWait([950, 960, 970, 980, 990, 995], 1_000, 6)).toBe(60 + PUSH_LATENCY_MARGIN_S - 50);
    // Over the bound already (a clock that disagreed): wait until enough have left.
    expect(pushWait([950, 960, 970, 980, 990, 995, 998], 1_000, 6)).toBe(60 + PUSH_LATENCY_MARGIN_S - 40);
  });

  it('keeps reserved slots free, ignores a wildly wrong clock, and has no bound at 0', () => {
    expect(pushWait([990, 991, 992, 993, 994], 1_000, 6)).toBe(0);
    expect(pushWait([990, 991, 992, 993, 994], 1_000, 6, 1)).toBe(50 + PUSH_LATENCY_MARGIN_S); // a heartbeat leaves the sixth slot
    expect(pushWait([5_000, 5_001, 5_002, 5_003, 5_004, 5_005], 1_000, 6)).toBe(0);
    expect(pushWait([990, 991, 992, 993, 994, 995, 996], 1_000, 0)).toBe(0);
  });

  it('never lets more than the bound fall in any minute when pushes go as soon as allowed', () => {
    const pushes: number[] = [];
    for (let now = 0; now < 600; now += 0.5) if (pushWait(pushes, now, 6) === 0) pushes.push(now);
    for (const start of pushes) expect(pushes.filter((time) => time >= start && time < start + 60 + PUSH_LATENCY_MARGIN_S).length).toBeLessThanOrEqual(6);
    expect(pushes.length).toBe(6 * Math.ceil(600 / (60 + PUSH_LATENCY_MARGIN_S))); // and the budget is used: 6 every 65 s
  });
});
