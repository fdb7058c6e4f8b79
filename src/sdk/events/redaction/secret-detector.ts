import type { Candidate, Detector } from './pii-types.js';
import { detectPrivateKeys } from './private-key-detector.js';
import { candidate, scan } from './scan.js';

/**
 * A token pattern written prefix first, with the "not glued to a word" check as a look-behind after the
 * prefix: the regex engine can then skip ahead to the prefix's first character instead of testing a
 * look-behind at every offset. Bodies have bounded lengths, so a long run of token characters costs one
 * pass.
 */
const prefixed = (prefix: string, body: string, glue = '[\\w-]', after = '(?![\\w-])') =>
  `${prefix}(?<!${glue}${prefix})${body}${after}`;

/** Tokens recognisable by their prefix, in one alternation: one pass over the text instead of fifteen. */
const PREFIXED = new RegExp(
  [
    // OpenAI / Anthropic style: sk-…, sk-proj-…, sk-svcacct-…, sk-ant-api03-…
    prefixed('sk-', '(?:proj-|svcacct-|admin-|ant-[a-z]+\\d*-)?[A-Za-z0-9_-]{20,250}'),
    // GitHub
    prefixed('gh[pousr]_', '[A-Za-z0-9]{36,255}', '\\w', '(?!\\w)'),
    prefixed('github_pat_', '[A-Za-z0-9_]{22,255}', '\\w', '(?!\\w)'),
    // AWS access key ids
    prefixed('(?:AKIA|ASIA|ABIA|ACCA)', '[A-Z0-9]{16}', '[A-Za-z0-9]', '(?![A-Za-z0-9])'),
    // Slack
    prefixed('xox[abposr]-', '[A-Za-z0-9-]{10,250}'),
    prefixed('xapp-', '\\d-[A-Za-z0-9-]{10,250}'),
    // Stripe secret and restricted keys (publishable pk_ keys are public)
    prefixed('[sr]k_(?:live|test)_', '[A-Za-z0-9]{16,250}', '\\w', '(?!\\w)'),
    // Google API keys and OAuth access tokens, GitLab, npm, Hugging Face, SendGrid
    prefixed('AIza', '[0-9A-Za-z_-]{35}'),
    prefixed('ya29\\.', '[0-9A-Za-z_-]{20,2000}', '[\\w.-]'),
    prefixed('glpat-', '[0-9A-Za-z_-]{20,250}'),
    prefixed('npm_', '[A-Za-z0-9]{36}', '\\w', '(?!\\w)'),
    prefixed('hf_', '[A-Za-z0-9]{34}', '\\w', '(?!\\w)'),
    prefixed('SG\\.', '[\\w-]{22}\\.[\\w-]{43}'),
    // somaagent's own API keys, soma_<16 hex id>_<43 base64url secret> (see src/sdk/auth/api-key-format.ts);
    // a key cut short in a log line still holds most of a secret, so 16+ secret characters suffice
    prefixed('soma_', '[0-9a-f]{16}_[A-Za-z0-9_-]{16,43}'),
    // Webhook URLs are credentials: whoever has one can post
    'https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]{20,300}',
    'https://(?:ptb\\.|canary\\.)?discord(?:app)?\\.com/api/webhooks/\\d{5,30}/[A-Za-z0-9_-]{20,200}',
  ].join('|'),
  'g',
);

/** Three base64url parts; the header must decode to a JSON object with `alg`. */
const JWT = new RegExp(
  prefixed('eyJ', '[A-Za-z0-9_-]{4,2000}\\.eyJ[A-Za-z0-9_-]{2,8000}\\.[A-Za-z0-9_-]{0,2000}'),
  'g',
);
/** `Authorization: Bearer …` / `Basic …`: the credential after the scheme. */
const AUTH_SCHEME = new RegExp(
  prefixed('(?:Bearer|Basic|Token)', '\\s+([A-Za-z0-9._~+/-]{16,4000}=*)', '[\\w-]', ''),
  'gi',
);
/** Password in a URL: `scheme://user:PASSWORD@host`, up to the last `@` (unencoded `@` happens). */
const URL_PASSWORD = /:\/\/[^\s/:@]{1,128}:([^\s/]{1,256})@/g;
/**
 * `password=…`, `"api_key": "…"`, `GITHUB_TOKEN=…`: the value after a key whose name ends in a secret
 * word (in several languages). The value ends at whitespace or a quote; after `=` also at `&` (query strings).
 */
const ASSIGNMENT =
  /(?:password|passwd|pwd|passwort|kennwort|mot de passe|contraseña|senha|wachtwoord|hasło|пароль|パスワード|密码|secret|token|api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|credentials?)["']?[ \t]*([:=：])[ \t]*["']?([^\s"'`,;<>]{8,512})/giu;
const PLACEHOLDER_VALUE =
  /^(?:[*x•#.-]+|\$\{?[\w.]*\}?|null|none|undefined|true|false|redacted|changeme|your[_-].*|<.*>|(?:\/|~\/|\.\.?\/)[\w./-]*)$|^(?:%[\w(]|\{\{|\[)/i;

function jwtHeaderValid(token: string): boolean {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof header.alg === 'string';
  } catch {
    return false;
  }
}

/** A value worth hiding: long enough and not a plain word (has a digit, a symbol or mixed case). */
function secretLike(value: string): boolean {
  if (PLACEHOLDER_VALUE.test(value) || /^(.)\1*$/.test(value)) return false;
  return /\d/.test(value) || /[^A-Za-z0-9]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value));
}

/**
 * Secrets: private key blocks, API keys and tokens with known prefixes (`sk-`, `ghp_`, `AKIA`, `xoxb-`,
 * somaagent's `soma_`…),
 * JWTs, credentials after `Bearer`/`Basic`, passwords in URLs, and values assigned to keys named like
 * secrets (`password`, `*_TOKEN`, `api_key`…). Only the secret value is replaced, not its key.
 */
export function secretDetector(priority: number): Detector {
  return {
    type: 'SECRET',
    priority,
    detect(text: string, out: Candidate[]): void {
      const add = (start: number, end: number) => out.push(candidate('SECRET', priority, start, end));
      detectPrivateKeys(text, add);
      scan(text, PREFIXED, (m) => {
        add(m.index, m.index + m[0].length);
        return true;
      });
      if (text.includes('eyJ')) {
        scan(text, JWT, (m) => {
          if (!jwtHeaderValid(m[0])) return false;
          add(m.index, m.index + m[0].length);
          return true;
        });
      }
      scan(text, AUTH_SCHEME, (m) => {
        const value = m[1]!;
        if (!secretLike(value)) return false;
        const start = m.index + m[0].length - value.length;
        add(start, start + value.length);
        return true;
      });
      if (text.includes('://')) {
        scan(text, URL_PASSWORD, (m) => {
          const start = m.index + m[0].length - 1 - m[1]!.length;
          add(start, start + m[1]!.length);
          return true;
        });
      }
      scan(text, ASSIGNMENT, (m) => {
        let value = m[2]!;
        if (m[1] === '=') value = value.split('&')[0]!;
        if (value.length < 8 || !secretLike(value)) return false;
        const start = m.index + m[0].length - m[2]!.length;
        add(start, start + value.length);
        return true;
      });
    },
  };
}
