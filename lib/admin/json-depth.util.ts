/**
 * The field (top-level key) under which `value` nests objects or arrays more than `max` levels deep, or
 * `null` when it does not (`'body'` when the body itself is that deep). Walks with an explicit stack, so a
 * hostile body cannot overflow the call stack here — which is the point: class-transformer and
 * class-validator recurse, and a body nested a few thousand levels deep would crash them (a 500).
 */
export function fieldNestedBeyond(value: unknown, max: number): string | null {
  const stack: Array<[unknown, number, string]> = [[value, 0, 'body']];
  while (stack.length > 0) {
    const [node, depth, field] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > max) return field;
    for (const [key, child] of Object.entries(node)) stack.push([child, depth + 1, depth === 0 ? key : field]);
  }
  return null;
}
