import { type Candidate, placeholderOf } from './pii-types.js';

/**
 * Calls `onMatch` for every match of a global regex. When `onMatch` returns false (the match did not
 * validate), scanning resumes one code unit after the match start, so a valid value that starts inside
 * a rejected one is still found; the detectors' patterns are anchored by look-behinds, which keeps this
 * linear.
 */
export function scan(text: string, re: RegExp, onMatch: (m: RegExpExecArray) => boolean): void {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) {
      re.lastIndex = m.index + 1;
      continue;
    }
    if (!onMatch(m)) re.lastIndex = m.index + 1;
  }
}

/** A candidate with the default placeholder of its type. */
export function candidate(type: string, priority: number, start: number, end: number): Candidate {
  return { type, priority, start, end, placeholder: placeholderOf(type) };
}

/**
 * How far before `at` the last match of `words` ends, looking back at most `window` code units in the
 * lowercased text: 0 means right before `at`; -1 means no match. Used to read the context just before a
 * value ("tel", "order", "IMEI"…); `words` must be a global regex of lowercase words.
 */
export function keywordDistance(text: string, at: number, window: number, words: RegExp): number {
  const from = Math.max(0, at - window);
  const before = text.slice(from, at).toLowerCase();
  let distance = -1;
  words.lastIndex = 0;
  for (let m = words.exec(before); m !== null; m = words.exec(before)) {
    distance = before.length - (m.index + m[0].length);
    if (m[0].length === 0) words.lastIndex++;
  }
  return distance;
}

/**
 * Regex source (for the `u` flag) of a character that glues onto a value as part of the same word: a
 * letter, digit or underscore, except in scripts written without spaces between words (Chinese,
 * Japanese, Thai), where `電話は+81 3-1234-5678です` still holds a phone number.
 */
export const WORD = String.raw`(?:(?![\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Thai}])[\p{L}\p{N}_])`;
const WORD_CHAR = new RegExp(`^${WORD}$`, 'u');

/** True when the character would glue onto a value (see {@link WORD}). */
export const isWordChar = (ch: string | undefined): boolean => ch !== undefined && WORD_CHAR.test(ch);
