/** Lines of a unified diff between two texts, with `context` lines around each change. */
export function unifiedDiff(
  before: string,
  after: string,
  labels: { readonly before: string; readonly after: string },
  context = 3,
): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = lineOps(a, b);
  const hunks = groupHunks(ops, context);
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  for (const hunk of hunks) {
    const aLines = hunk.filter((op) => op.kind !== '+').length;
    const bLines = hunk.filter((op) => op.kind !== '-').length;
    const first = hunk[0];
    const aStart = first === undefined ? 0 : aLines === 0 ? first.aIndex : first.aIndex + 1;
    const bStart = first === undefined ? 0 : bLines === 0 ? first.bIndex : first.bIndex + 1;
    out.push(`@@ -${aStart},${aLines} +${bStart},${bLines} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
  }
  return out.join('\n') + '\n';
}

interface LineOp {
  readonly kind: ' ' | '-' | '+';
  readonly line: string;
  /** Index in `a` of this line, or of the next `a` line for an insertion. */
  readonly aIndex: number;
  readonly bIndex: number;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * An edit script by longest common subsequence. The common head and tail are trimmed
 * first, so the table only covers the changed middle, which for manifests is small.
 */
function lineOps(a: readonly string[], b: readonly string[]): LineOp[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const ops: LineOp[] = [];
  for (let i = 0; i < head; i++) ops.push({ kind: ' ', line: a[i] ?? '', aIndex: i, bIndex: i });
  ops.push(...middleOps(midA, midB, head));
  for (let t = tail; t > 0; t--) {
    const aIndex = a.length - t;
    ops.push({ kind: ' ', line: a[aIndex] ?? '', aIndex, bIndex: b.length - t });
  }
  return ops;
}

function middleOps(a: readonly string[], b: readonly string[], offset: number): LineOp[] {
  const n = a.length;
  const m = b.length;
  // Past this size the table costs too much; show the middle as replaced wholesale.
  if (n * m > 4_000_000) {
    return [
      ...a.map((line, i) => ({ kind: '-' as const, line, aIndex: offset + i, bIndex: offset })),
      ...b.map((line, j) => ({ kind: '+' as const, line, aIndex: offset + n, bIndex: offset + j })),
    ];
  }
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * width + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * width + j] ?? 0, lcs[i * width + j + 1] ?? 0);
    }
  }
  const ops: LineOp[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] ?? '', aIndex: offset + i, bIndex: offset + j });
      i++;
      j++;
    } else if (
      i < n &&
      (j >= m || (lcs[(i + 1) * width + j] ?? 0) >= (lcs[i * width + j + 1] ?? 0))
    ) {
      ops.push({ kind: '-', line: a[i] ?? '', aIndex: offset + i, bIndex: offset + j });
      i++;
    } else {
      ops.push({ kind: '+', line: b[j] ?? '', aIndex: offset + i, bIndex: offset + j });
      j++;
    }
  }
  return ops;
}

/** Changes with up to `context` unchanged lines around them; near changes share a hunk. */
function groupHunks(ops: readonly LineOp[], context: number): LineOp[][] {
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  const hunks: LineOp[][] = [];
  let start = -1;
  let end = -1;
  for (const index of changed) {
    if (start >= 0 && index - context <= end + context) {
      end = index;
      continue;
    }
    if (start >= 0) hunks.push(ops.slice(Math.max(0, start - context), end + context + 1));
    start = index;
    end = index;
  }
  if (start >= 0) hunks.push(ops.slice(Math.max(0, start - context), end + context + 1));
  return hunks;
}
