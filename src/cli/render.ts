import Table from 'cli-table3';

/** A plain table for people (`--json` prints the typed result instead). */
export function renderTable(
  head: string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
): string {
  const table = new Table({
    head,
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    wordWrap: true,
  });
  for (const row of rows) table.push(row.map((cell) => (cell === null ? '-' : String(cell))));
  return table.toString();
}
