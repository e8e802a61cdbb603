/**
 * Downloading a chart as SVG or PNG. The page's charts take their colours and fonts from the site's
 * CSS (the CSP allows no inline style), so the exported copy gets them as presentation attributes,
 * read from the computed style of each element: the file looks as the chart does on screen, and
 * opens anywhere without the site's stylesheet.
 */

/** Properties copied from the computed style onto the exported elements. */
const PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-size',
  'font-family',
  'font-weight',
  'visibility',
] as const;

/** A standalone copy of `svg`: computed styles as attributes, explicit size, a background. */
export function standaloneSvg(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...svg.querySelectorAll('*')];
  const copies = [copy, ...copy.querySelectorAll('*')];
  originals.forEach((original, i) => {
    const target = copies[i];
    if (!target) return;
    const style = getComputedStyle(original);
    for (const property of PROPERTIES) {
      const value = style.getPropertyValue(property);
      if (value) target.setAttribute(property, value);
    }
    target.removeAttribute('class');
    target.removeAttribute('tabindex');
  });
  const box = svg.viewBox.baseVal;
  const width = box && box.width > 0 ? box.width : svg.getBoundingClientRect().width;
  const height = box && box.height > 0 ? box.height : svg.getBoundingClientRect().height;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(Math.round(width)));
  copy.setAttribute('height', String(Math.round(height)));
  // Hidden parts (the crosshair) stay out of the file.
  for (const node of copy.querySelectorAll('[visibility="hidden"]')) node.remove();
  const background = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  for (const [k, v] of Object.entries({ x: box?.x ?? 0, y: box?.y ?? 0, width, height })) background.setAttribute(k, String(v));
  background.setAttribute('fill', pageBackground(svg));
  copy.insertBefore(background, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

/** Buttons that download the SVG `chart()` returns as `<name>.svg` and `<name>.png`. */
export function exportButtons(chart: () => SVGSVGElement, name: string): HTMLButtonElement[] {
  const file = name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'chart';
  const button = (text: string, title: string, action: () => void | Promise<void>) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'chart-toggle';
    b.textContent = text;
    b.title = title;
    b.addEventListener('click', () => void action());
    return b;
  };
  return [
    button('SVG', 'Download this chart as SVG', () => download(new Blob([standaloneSvg(chart())], { type: 'image/svg+xml' }), `${file}.svg`)),
    button('PNG', 'Download this chart as PNG', async () => download(await toPng(standaloneSvg(chart())), `${file}.png`)),
  ];
}

/** The SVG text drawn at twice its size on a canvas (the CSP allows data: images). */
async function toPng(svgText: string): Promise<Blob> {
  const image = new Image();
  const loaded = new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = () => reject(new Error('the chart could not be drawn as an image'));
  });
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await loaded;
  const canvas = document.createElement('canvas');
  canvas.width = image.naturalWidth * 2;
  canvas.height = image.naturalHeight * 2;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no canvas');
  ctx.scale(2, 2);
  ctx.drawImage(image, 0, 0);
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no PNG'))), 'image/png'));
}

function download(blob: Blob, name: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** The first opaque background behind `element`, else white. */
function pageBackground(element: Element): string {
  for (let node: Element | null = element; node; node = node.parentElement) {
    const color = getComputedStyle(node).backgroundColor;
    if (color && color !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(color)) return color;
  }
  return '#ffffff';
}
