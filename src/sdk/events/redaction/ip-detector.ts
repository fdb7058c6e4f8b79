import { isIPv6 } from 'node:net';
import type { Candidate, Detector } from './pii-types.js';
import { candidate, keywordDistance, scan, WORD } from './scan.js';

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
/** Dotted quad, not inside a longer dotted number (versions, OIDs) or a word. */
const IPV4 = new RegExp(String.raw`(?<!${WORD}|[.\-])${OCTET}(?:\.${OCTET}){3}(?!${WORD}|\.\d)`, 'gu');
/** Hex groups and colons, with an optional dotted-quad tail (`::ffff:192.0.2.1`); validated afterwards. */
const IPV6 = new RegExp(
  String.raw`(?=[0-9A-Fa-f]{0,4}:)(?<!${WORD}|[:.])[0-9A-Fa-f:]{2,39}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?!${WORD}|:|\.\d)`,
  'gu',
);

/** "1.2.3.4" after these words is a version number, not an address. */
const VERSION_WORDS =
  /(?<![a-z])(?:version|ver|v|firmware|release|build|kernel|chrome|firefox|windows|android|ios|oid)(?![a-z])/g;
const NETMASK_OCTETS = new Set(['0', '128', '192', '224', '240', '248', '252', '254', '255']);

/** True for addresses that identify no one: unspecified, loopback, broadcast, netmasks. */
function nonPersonalV4(address: string): boolean {
  const octets = address.split('.');
  if (octets[0] === '0' || octets[0] === '127' || address === '255.255.255.255') return true;
  return octets[0] === '255' && octets.every((o) => NETMASK_OCTETS.has(o));
}

/** Full, compressed and IPv4-mapped IPv6; not times (`12:30:45`), MACs, `std::vector` or `::1`. */
export function ipv6Valid(candidate: string): boolean {
  if (!isIPv6(candidate)) return false;
  const groups = candidate.split(':');
  if (!candidate.includes('::') && groups.length < 8 && !candidate.includes('.')) return false;
  const hexDigits = candidate.replace(/[^0-9A-Fa-f]/g, '').length;
  if (hexDigits < 4 || groups.filter((g) => g !== '').length < 2) return false;
  const lower = candidate.toLowerCase();
  return !/^(?:0*:)*:?0*1?$/.test(lower) && !/^::ffff:(?:127\.|0\.)/.test(lower);
}

/**
 * IP addresses. IPv4 dotted quads except unspecified (0.x), loopback (127.x), broadcast and netmasks, and
 * quads right after a version word; IPv6 full, compressed (`::`) and IPv4-mapped, except `::` and `::1`.
 * Private ranges are reported: in logs they still point at one person's device. A port or a `/24`
 * suffix is not part of the value.
 */
export function ipDetector(priority: number): Detector {
  return {
    type: 'IP',
    priority,
    detect(text: string, out: Candidate[]): void {
      if (text.includes('.')) {
        scan(text, IPV4, (m) => {
          if (nonPersonalV4(m[0])) return false;
          if (keywordDistance(text, m.index, 12, VERSION_WORDS) >= 0) return false;
          out.push(candidate('IP', priority, m.index, m.index + m[0].length));
          return true;
        });
      }
      if (text.includes(':')) {
        scan(text, IPV6, (m) => {
          if (!ipv6Valid(m[0])) return false;
          out.push(candidate('IP', priority, m.index, m.index + m[0].length));
          return true;
        });
      }
    },
  };
}
