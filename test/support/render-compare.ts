// Compares two full-page screenshots of one email, before and after
// instrumentation (contract section 3 rule 8): every row but the original's
// last must be the same, pixel for pixel, and each row added at the bottom
// must repeat the row above it (more of the same background, no line of
// another colour). Stricter still, the page may not grow at all: the pixel
// and trap take no room, so growth means margins that no longer collapse.
// pngjs decodes the PNGs; the comparison is by rows of RGBA.
import { PNG } from 'pngjs';

export interface RenderVerdict {
  ok: boolean;
  /** rows the instrumented page has beyond the original's (negative: fewer) */
  addedRows: number;
  problems: string[];
}

function row(image: PNG, y: number): Buffer {
  const stride = image.width * 4;
  return image.data.subarray(y * stride, (y + 1) * stride);
}

/** The first column where two rows of RGBA differ, or -1. */
function firstDifference(a: Buffer, b: Buffer): number {
  for (let i = 0; i < a.length; i += 4) if (a.readUInt32BE(i) !== b.readUInt32BE(i)) return i / 4;
  return -1;
}

const rgba = (data: Buffer, x: number) => `rgba(${[...data.subarray(x * 4, x * 4 + 4)].join(',')})`;

export function compareRenders(beforePng: Buffer, afterPng: Buffer): RenderVerdict {
  const before = PNG.sync.read(beforePng);
  const after = PNG.sync.read(afterPng);
  const addedRows = after.height - before.height;
  const problems: string[] = [];
  if (before.width !== after.width) {
    return { ok: false, addedRows, problems: [`the page is ${after.width} px wide instead of ${before.width}`] };
  }
  if (addedRows < -1) problems.push(`the page lost ${-addedRows} rows`);
  // Nothing inserted takes room: a taller page means a margin no longer collapses, or a line box was added.
  if (addedRows > 0) problems.push(`the page grew by ${addedRows} rows`);
  // The original's last row may differ: that is where the pixel sits.
  const sameRows = Math.min(before.height - 1, after.height);
  let differingRows = 0;
  let first = '';
  for (let y = 0; y < sameRows; y++) {
    const [was, is] = [row(before, y), row(after, y)];
    if (was.equals(is)) continue;
    differingRows++;
    if (first === '') {
      const x = firstDifference(was, is);
      first = ` (first at x=${x}, y=${y}: ${rgba(was, x)} became ${rgba(is, x)})`;
    }
  }
  if (differingRows > 0) problems.push(`${differingRows} rows differ above the original's last row${first}`);
  for (let y = Math.max(before.height, 1); y < after.height; y++) {
    const x = firstDifference(row(after, y - 1), row(after, y));
    if (x === -1) continue;
    problems.push(`added row y=${y} differs from the row above at x=${x}: ${rgba(row(after, y - 1), x)} above, ${rgba(row(after, y), x)} in it`);
    break;
  }
  return { ok: problems.length === 0, addedRows, problems };
}
