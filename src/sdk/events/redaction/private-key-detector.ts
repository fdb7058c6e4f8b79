/** Header of a PEM/OpenSSH private key block: `-----BEGIN RSA PRIVATE KEY-----` and friends. */
const BEGIN =
  /-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP |SSH2 ENCRYPTED )?PRIVATE KEY(?: BLOCK)?)-----/g;
/** Key material after a BEGIN with no END (a truncated log line): base64, line breaks, escaped `\n`. */
const BODY = /[A-Za-z0-9+/=\r\n\\]{0,65536}/y;
/** A block longer than this is not a key (the largest PEM keys are a few KiB). */
const MAX_BLOCK = 64 * 1024;

/**
 * Finds `-----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY-----` blocks (multi-line, or one line
 * with escaped `\n` as in JSON). A BEGIN without its END (truncated logs) covers the key material that
 * follows it. Linear: the END of each label is searched once and reused for the BEGINs before it.
 */
export function detectPrivateKeys(text: string, add: (start: number, end: number) => void): void {
  if (!text.includes('PRIVATE KEY')) return;
  const nextEnd = new Map<string, number>();
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m !== null; m = BEGIN.exec(text)) {
    const label = m[1]!;
    const endMarker = `-----END ${label}-----`;
    let end = nextEnd.get(label);
    if (end === undefined || (end !== -1 && end < m.index)) {
      end = text.indexOf(endMarker, BEGIN.lastIndex);
      nextEnd.set(label, end);
    }
    let stop: number;
    if (end !== -1 && end - m.index <= MAX_BLOCK) {
      stop = end + endMarker.length;
    } else {
      BODY.lastIndex = BEGIN.lastIndex;
      BODY.exec(text);
      stop = Math.min(BODY.lastIndex, m.index + MAX_BLOCK);
      while (stop > BEGIN.lastIndex) {
        const last = text[stop - 1]!;
        if (/\s/.test(last) || last === '\\') stop--;
        else if ((last === 'n' || last === 'r') && text[stop - 2] === '\\') stop -= 2;
        else break;
      }
    }
    add(m.index, stop);
    BEGIN.lastIndex = stop;
  }
}
