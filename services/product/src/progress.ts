/** A one-line progress bar on stderr for the commands (seed, reindex), redrawn in place; silent unless a terminal. */
export function drawProgress(done: number, total: number, unit: string): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${percent}% ${done}/${total} ${unit}`);
  if (done === total) process.stderr.write("\n");
}
