/** One update of a {@link progressBar}. */
export interface ProgressUpdate {
  readonly index: number;
  readonly total: number;
  readonly label: string;
}

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (so logs and `--json` stay clean).
 * Returns the update function and `done()`, which ends the line.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr, width = 24) {
  const enabled = Boolean(stream.isTTY);
  let drawn = false;
  return {
    enabled,
    update({ index, total, label }: ProgressUpdate): void {
      if (!enabled || total <= 0) return;
      const filled = Math.round((Math.min(index, total) / total) * width);
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${index}/${total} ${label}\u001b[K`,
      );
      drawn = true;
    },
    done(): void {
      if (enabled && drawn) stream.write('\n');
      drawn = false;
    },
  };
}
