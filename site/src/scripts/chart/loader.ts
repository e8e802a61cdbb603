/**
 * Makes charts interactive only when they come on screen: the chart code (live.ts) and the run data
 * it draws are fetched then, so a page's initial script stays this small. Figures opt in with
 * `data-live-chart` (see live.ts for the attributes).
 */
export function watchCharts(root: ParentNode = document): void {
  const figures = [...root.querySelectorAll<HTMLElement>('[data-live-chart]:not([data-live-watched])')];
  if (figures.length === 0) return;
  const start = (figure: HTMLElement) => {
    void import('./live.ts')
      .then((live) => live.enhance(figure))
      .catch(() => {
        // The static chart stays: it is complete without the interactive one.
      });
  };
  for (const figure of figures) figure.dataset.liveWatched = '';
  if (!('IntersectionObserver' in window)) {
    figures.forEach(start);
    return;
  }
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        observer.unobserve(entry.target);
        start(entry.target as HTMLElement);
      }
    },
    { rootMargin: '200px' },
  );
  for (const figure of figures) observer.observe(figure);
}
