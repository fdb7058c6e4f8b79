import type { Candidate, Finding } from './pii-types.js';

const beats = (a: Candidate, b: Candidate): number =>
  a.priority - b.priority || b.end - b.start - (a.end - a.start) || a.start - b.start;

/**
 * Picks non-overlapping findings from the detectors' candidates, deterministically: among candidates
 * that overlap, the lower priority number wins, then the longer span, then the earlier one; a loser is
 * dropped whole. Candidates are grouped into clusters of overlapping spans first, so the cost stays
 * near-linear in the number of candidates.
 */
export function resolveOverlaps(candidates: Candidate[]): Finding[] {
  const sorted = [...candidates].sort((a, b) => a.start - b.start || b.end - a.end);
  const findings: Finding[] = [];
  let cluster: Candidate[] = [];
  let clusterEnd = -1;
  const flush = () => {
    if (cluster.length === 1) findings.push(toFinding(cluster[0]!));
    else if (cluster.length > 1) {
      const kept: Candidate[] = [];
      for (const c of cluster.sort(beats)) {
        if (kept.every((k) => c.end <= k.start || c.start >= k.end)) kept.push(c);
      }
      kept.sort((a, b) => a.start - b.start);
      for (const k of kept) findings.push(toFinding(k));
    }
    cluster = [];
  };
  for (const c of sorted) {
    if (c.start >= clusterEnd) flush();
    cluster.push(c);
    clusterEnd = Math.max(clusterEnd, c.end);
  }
  flush();
  return findings;
}

function toFinding(c: Candidate): Finding {
  return { type: c.type, start: c.start, end: c.end, placeholder: c.placeholder };
}
