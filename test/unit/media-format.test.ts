import { describe, expect, it } from 'vitest';
import { confusionFrom, histogramOf, prCurve, rocCurve } from '../../src/run/curves.ts';
import { dimensionProblem, imageInfo, stripMetadata, svgHazard } from '../../src/run/image.ts';
import { MediaProblem, parseMediaData, parseMediaLine } from '../../src/run/media.ts';
import { bombPng, makeGif, makeJpeg, makePng, makeWebp } from '../helpers/images.ts';
import { parseRunFiles } from '../../src/index/run-files.ts';
import { runFolder } from '../../src/run/layout.ts';
import { stringifyYaml } from '../../src/run/yaml.ts';

const svg = (body: string, attrs = 'width="40" height="20"'): Uint8Array =>
  new TextEncoder().encode(`<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" ${attrs}>${body}</svg>`);
const has = (bytes: Uint8Array, text: string): boolean => Buffer.from(bytes).includes(Buffer.from(text, 'latin1'));

describe('images are known by their bytes', () => {
  it('reads type and size from the header of each of the five types', () => {
    expect(imageInfo(makePng(64, 48))).toEqual({ mime: 'image/png', width: 64, height: 48 });
    expect(imageInfo(makeJpeg(640, 480))).toEqual({ mime: 'image/jpeg', width: 640, height: 480 });
    expect(imageInfo(makeGif())).toEqual({ mime: 'image/gif', width: 1, height: 1 });
    expect(imageInfo(makeWebp(300, 200))).toEqual({ mime: 'image/webp', width: 300, height: 200 });
    expect(imageInfo(svg(''))).toEqual({ mime: 'image/svg+xml', width: 40, height: 20 });
    expect(imageInfo(svg('', 'viewBox="0 0 120 60"'))).toEqual({ mime: 'image/svg+xml', width: 120, height: 60 });
  });

  it('refuses what is not an image, whatever its name', () => {
    expect(() => imageInfo(new TextEncoder().encode('<html><script>alert(1)</script>'))).toThrow(/is not a PNG, JPEG, GIF, WebP or SVG/);
    expect(() => imageInfo(makePng(4, 4).subarray(0, 20))).toThrow(/cut short/);
  });

  it('refuses absurd dimensions and decompression bombs with the numbers', () => {
    expect(dimensionProblem(imageInfo(bombPng(20_000, 10)), 100)).toMatch(/20000 x 10 pixels, over the limit of 16384 pixels a side/);
    expect(dimensionProblem(imageInfo(bombPng(10_000, 10_000)), 1200)).toMatch(/over the limit of 40000000/);
    const bomb = bombPng(5000, 5000);
    expect(dimensionProblem(imageInfo(bomb), bomb.length)).toMatch(/decompression bomb: 5000 x 5000 pixels/);
    const fine = makePng(256, 256);
    expect(dimensionProblem(imageInfo(fine), fine.length)).toBeUndefined();
  });
});

describe('display copies lose their metadata, not their pixels', () => {
  it('PNG: text and EXIF chunks go, the image data stays byte for byte', () => {
    const clean = makePng(16, 16, { seed: 3 });
    const tagged = makePng(16, 16, { seed: 3, text: { Comment: 'home at 51.5N' }, exif: 'GPSLatitude 51.5' });
    const stripped = stripMetadata(tagged, 'image/png');
    expect(has(tagged, 'GPSLatitude')).toBe(true);
    expect(has(stripped, 'GPSLatitude') || has(stripped, '51.5N')).toBe(false);
    expect(Buffer.from(stripped).equals(clean)).toBe(true);
    // Nothing to remove: the very same bytes, so the sha256 shown is the sha256 logged.
    expect(stripMetadata(clean, 'image/png')).toBe(clean);
  });

  it('JPEG: APP1 (EXIF) and comments go, the ICC profile and the scan stay', () => {
    const stripped = stripMetadata(makeJpeg(32, 24), 'image/jpeg');
    expect(has(stripped, 'GPS')).toBe(false);
    expect(has(stripped, 'a comment')).toBe(false);
    expect(has(stripped, 'ICC_PROFILE')).toBe(true);
    expect(imageInfo(stripped)).toEqual({ mime: 'image/jpeg', width: 32, height: 24 });
    expect(Buffer.from(stripped.subarray(-7)).equals(Buffer.from([0x12, 0x34, 0xff, 0x00, 0x56, 0xff, 0xd9]))).toBe(true);
  });

  it('WebP and GIF: EXIF chunks and comments go, sizes and flags stay consistent', () => {
    const webp = stripMetadata(makeWebp(300, 200, 'GPS 51.5'), 'image/webp');
    expect(has(webp, 'GPS')).toBe(false);
    expect(imageInfo(webp)).toEqual({ mime: 'image/webp', width: 300, height: 200 });
    expect(Buffer.from(webp).readUInt32LE(4)).toBe(webp.length - 8);
    expect((webp[20] as number) & 0x08).toBe(0);
    const gif = stripMetadata(makeGif('shot at 51.5N'), 'image/gif');
    expect(has(gif, '51.5N')).toBe(false);
    expect(gif.at(-1)).toBe(0x3b);
  });
});

describe('an SVG that could run anything is never published', () => {
  it.each([
    ['<script>alert(1)</script>', 'script'],
    ['<svg:script>alert(1)</svg:script>', 'script'],
    ['<rect onload="alert(1)"/>', 'event handler'],
    ['<a href="javascript:alert(1)"><rect/></a>', 'javascript'],
    ['<a href="&#106;avascript:alert(1)"><rect/></a>', 'javascript'],
    ['<foreignObject><iframe src="x"/></foreignObject>', 'embedded'],
    ['<image href="https://evil.example/x.png"/>', 'reference'],
    ['<style>@import url(https://evil.example/a.css)</style>', 'url'],
  ])('%s', (body, what) => {
    expect(svgHazard(svg(body))).toMatch(new RegExp(what));
  });

  it('lets a plain chart through, fragment references included', () => {
    expect(svgHazard(svg('<defs><path id="p" d="M0 0L1 1"/></defs><use href="#p"/><text x="1">on = off</text>'))).toBeUndefined();
  });
});

describe('media lines and data are checked where they enter', () => {
  it('names what is wrong with a line', () => {
    expect(() => parseMediaLine({ kind: 'image', file: 'media/a.png' })).toThrow(/needs a "key"/);
    expect(() => parseMediaLine({ key: 'a', kind: 'video', file: 'media/a.mp4' })).toThrow(/must be one of image, confusion_matrix/);
    expect(() => parseMediaLine({ key: 'a', kind: 'image', file: 'media/../../etc/passwd' })).toThrow(MediaProblem);
    expect(() => parseMediaLine({ key: 'a', kind: 'image', file: 'artifacts/a.png' })).toThrow(/under media\//);
    expect(parseMediaLine({ key: 'val/s', kind: 'image', file: 'media/a.png', step: 3, caption: 'x' })).toEqual({
      key: 'val/s',
      kind: 'image',
      file: 'media/a.png',
      step: 3,
      caption: 'x',
    });
  });

  it('checks each kind against its shape', () => {
    const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
    expect(
      parseMediaData(
        'confusion_matrix',
        json({
          labels: ['a', 'b'],
          matrix: [
            [1, 2],
            [3, 4],
          ],
        }),
      ).kind,
    ).toBe('confusion_matrix');
    expect(() => parseMediaData('confusion_matrix', json({ labels: ['a', 'b'], matrix: [[1, 2]] }))).toThrow(/one row per label/);
    expect(() => parseMediaData('confusion_matrix', json({ labels: ['a'], matrix: [[-1]] }))).toThrow(/not a count/);
    expect(() => parseMediaData('histogram', json({ bins: [0, 1], counts: [1, 2] }))).toThrow(/n \+ 1 bin edges/);
    expect(() => parseMediaData('curve', json({ curve: 'roc', x: [0, 1], y: [0] }))).toThrow(/same, non-zero length/);
    expect(() => parseMediaData('table', json({ columns: ['a'], rows: [[{ script: 1 }]] }))).toThrow(/not a string, number/);
    expect(() => parseMediaData('curve', new TextEncoder().encode('{"x": [NaN]}'))).toThrow(/not valid JSON/);
    expect(parseMediaData('text', new TextEncoder().encode('hello'))).toEqual({ kind: 'text', data: 'hello' });
  });
});

describe('curves, matrices and histograms computed like scikit-learn and numpy', () => {
  const yTrue = [0, 0, 1, 1];
  const yScore = [0.1, 0.4, 0.35, 0.8];
  it('ROC and its AUC', () => {
    const roc = rocCurve(yTrue, yScore);
    expect(roc.auc).toBe(0.75);
    expect(roc.x).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(roc.y).toEqual([0, 0.5, 0.5, 1, 1]);
  });
  it('precision-recall and average precision', () => {
    expect(prCurve(yTrue, yScore).ap).toBe(0.833333);
  });
  it('confusion matrix and histogram', () => {
    expect(confusionFrom(['cat', 'dog', 'dog'], ['cat', 'cat', 'dog'])).toEqual({
      labels: ['cat', 'dog'],
      matrix: [
        [1, 0],
        [1, 1],
      ],
    });
    expect(histogramOf([0, 1, 2, 3], 3)).toEqual({ bins: [0, 1, 2, 3], counts: [1, 1, 2] });
  });
});

describe('a media.json the source refused to read', () => {
  it('costs the run its media, with the reason, never the run', () => {
    const record = {
      schema: 'runpages/run@1',
      id: '01JC1A00000000000000000000',
      name: 'calm-fox-1',
      project: 'p',
      status: 'finished',
      created: '2026-11-20T10:00:00Z',
    };
    const folder = runFolder(record);
    const parsed = parseRunFiles({ folder, runYaml: stringifyYaml(record), mediaRefused: 'is 9 MB, over the 4 MB limit' }, 'h');
    expect('reason' in parsed).toBe(false);
    if ('reason' in parsed) return;
    expect(parsed.run.record.id).toBe(record.id);
    expect(parsed.run.media).toBeUndefined();
    expect(parsed.run.mediaProblem).toEqual({ file: `${folder}/media.json`, reason: `${folder}/media.json: is 9 MB, over the 4 MB limit` });
  });
});
