import type { Candidate, Detector } from './pii-types.js';
import { candidate, scan } from './scan.js';

/** Six hex pairs joined by one consistent `:` or `-` (`00:1A:2B:3C:4D:5E`), or Cisco's `001a.2b3c.4d5e`. */
const MAC =
  /(?<![\p{L}\p{N}_:.-])(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\p{L}\p{N}_]|[:.-][0-9A-Fa-f])/gu;

/**
 * MAC addresses (opt-in, see OPT_IN_TYPES): a network card's address identifies a device and so, often,
 * its owner, but hex dumps and fingerprints look alike, so it is off by default.
 */
export function macDetector(priority: number): Detector {
  return {
    type: 'MAC',
    priority,
    detect(text: string, out: Candidate[]): void {
      scan(text, MAC, (m) => {
        out.push(candidate('MAC', priority, m.index, m.index + m[0].length));
        return true;
      });
    },
  };
}
