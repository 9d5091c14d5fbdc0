// Average ranks (1-based, ties share the mean of their positions): the common core of rank
// normalization (selection.ts) and the Mann–Whitney AUC (detection.ts).

export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const rank = (start + 1 + end) / 2; // mean of positions start+1..end
    for (let p = start; p < end; p++) ranks[order[p]!] = rank;
    start = end;
  }
  return ranks;
}
