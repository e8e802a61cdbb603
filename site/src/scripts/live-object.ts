/**
 * A running run's page, built while the run was running, refreshes its notice from the run's live
 * object (src/run/live-object.ts) every 30 s without a rebuild: the job's status, when it was last
 * heard from, its step and latest metrics. Only where the page names one (an S3 store with
 * `publicUrl`); the CSP's connect-src allows that origin alone. A failed fetch leaves the notice as
 * built.
 */
import { liveObjectNotice, parseLiveObject } from '../../../src/site/live-view.ts';

const POLL_MS = 30_000;

for (const notice of document.querySelectorAll<HTMLElement>('[data-live-object]')) {
  const url = notice.dataset.liveObject;
  const id = notice.dataset.runId;
  if (!url || !id) continue;
  const metric = notice.dataset.goalMetric;
  let timer: number | undefined;
  const refresh = async (): Promise<void> => {
    try {
      const response = await fetch(url, { cache: 'no-store', credentials: 'omit' });
      if (!response.ok) return;
      const object = parseLiveObject(await response.json(), id);
      if (!object) return;
      notice.textContent = liveObjectNotice(object, new Date(), metric);
      notice.dataset.liveStatus = object.status;
      if (object.status !== 'running' && timer !== undefined) window.clearInterval(timer);
    } catch {
      // Offline or not there yet: keep what the page says.
    }
  };
  void refresh();
  timer = window.setInterval(() => void refresh(), POLL_MS);
}
