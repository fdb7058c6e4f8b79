import type { SchemaFinding, SchemaValidationReport } from './validation-report.js';

/** Output formats of `schemas validate`. */
export const REPORT_FORMATS = ['text', 'json', 'junit', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Where a finding points: `file` plus the field path when there is one. */
function locate(finding: SchemaFinding): string {
  return finding.path ? `${finding.file} ${finding.path}` : finding.file;
}

function againstNote(finding: SchemaFinding): string {
  if (!finding.against) return '';
  const reads = finding.direction === 'forward' ? 'old reads new' : 'new reads old';
  return ` [vs ${finding.against}, ${reads}]`;
}

/** Plain text for people: one line per schema, then every finding, then a summary line. */
export function renderText(report: SchemaValidationReport): string {
  const lines: string[] = [];
  for (const s of report.schemas) {
    const version = s.version === null ? '' : ` v${s.version}`;
    const compared = s.comparedWith.length ? `, compared with ${s.comparedWith.join(', ')}` : '';
    const verdict = s.findings === 0 ? 'ok' : `${s.findings} finding${s.findings === 1 ? '' : 's'}`;
    lines.push(
      `${s.file}${version} (${s.status}, ${s.mode}${compared}, ${s.fixtures} fixture${s.fixtures === 1 ? '' : 's'}): ${verdict}`,
    );
  }
  if (report.findings.length) lines.push('');
  for (const f of report.findings) {
    lines.push(`${locate(f)}: ${f.rule}${againstNote(f)}`, `  ${f.message}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  const { schemas, fixtures, comparisons, findings } = report.summary;
  lines.push(
    '',
    `${schemas} schema${schemas === 1 ? '' : 's'}, ${fixtures} fixture${fixtures === 1 ? '' : 's'}, ${comparisons} comparison${comparisons === 1 ? '' : 's'}: ${
      findings === 0 ? 'no findings' : `${findings} finding${findings === 1 ? '' : 's'}`
    }.`,
  );
  return lines.join('\n');
}

/** GitHub Actions workflow commands: one `::error file=…,title=…::message` annotation per finding. */
export function renderGithub(report: SchemaValidationReport): string {
  const lines = report.findings.map(
    (f) =>
      `::error file=${property(f.file)},title=${property(`${f.rule}${f.path ? ` at ${f.path}` : ''}`)}::${data(
        `${f.path ? `${f.path}: ` : ''}${f.message}${againstNote(f)}`,
      )}`,
  );
  for (const note of report.notes) lines.push(`::notice::${data(note)}`);
  lines.push(
    `schemas validate: ${report.summary.schemas} schemas, ${report.summary.findings} finding${report.summary.findings === 1 ? '' : 's'}`,
  );
  return lines.join('\n');
}

function data(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

function property(text: string): string {
  return data(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

/**
 * JUnit XML: one test suite per schema, one test case per check (parse and lint, fixtures, compatibility,
 * changelog); a failed case holds every finding of its check.
 */
export function renderJunit(report: SchemaValidationReport): string {
  const checks = ['parse', 'lint', 'fixture', 'compatibility', 'changelog'] as const;
  const suites: string[] = [];
  let failures = 0;
  let tests = 0;
  const names = [...new Set([...report.schemas.map((s) => s.name), ...report.findings.map((f) => f.schema)])];
  for (const name of names) {
    const summary = report.schemas.find((s) => s.name === name);
    const cases: string[] = [];
    let suiteFailures = 0;
    for (const check of checks) {
      const found = report.findings.filter((f) => f.schema === name && f.category === check);
      const caseName = check === 'compatibility' && summary ? `compatibility (${summary.mode})` : check;
      if (found.length === 0) {
        cases.push(`    <testcase classname="${xml(name)}" name="${xml(caseName)}"/>`);
        continue;
      }
      suiteFailures += 1;
      const rules = [...new Set(found.map((f) => f.rule))].join(',');
      const body = found.map((f) => `${locate(f)}: ${f.rule}${againstNote(f)}: ${f.message}`).join('\n');
      cases.push(
        `    <testcase classname="${xml(name)}" name="${xml(caseName)}">`,
        `      <failure message="${xml(`${found.length} finding${found.length === 1 ? '' : 's'}`)}" type="${xml(rules)}">${xml(body)}</failure>`,
        '    </testcase>',
      );
    }
    tests += checks.length;
    failures += suiteFailures;
    suites.push(
      `  <testsuite name="${xml(summary?.file ?? name)}" tests="${checks.length}" failures="${suiteFailures}" errors="0">`,
      ...cases,
      '  </testsuite>',
    );
  }
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="somaagent schemas validate" tests="${tests}" failures="${failures}" errors="0">`,
    ...suites,
    '</testsuites>',
  ].join('\n');
}

function xml(text: string): string {
  // XML 1.0 forbids most control characters, even escaped.
  const printable = [...text].filter((c) => c >= ' ' || c === '\n' || c === '\t' || c === '\r').join('');
  return printable
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
