// Prints benchmark results as one aligned table: what, measured, unit, goal.
export interface BenchRow {
  name: string;
  value: number | string;
  unit: string;
  goal: string;
}

export function printTable(rows: readonly BenchRow[]): void {
  const cells = rows.map((row) => [
    row.name,
    typeof row.value === 'number' ? formatNumber(row.value) : row.value,
    row.unit,
    row.goal,
  ]);
  const header = ['benchmark', 'measured', 'unit', 'goal / baseline'];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column].length)));
  const line = (cell: string[]) => cell.map((text, column) => (column === 1 ? text.padStart(widths[column]) : text.padEnd(widths[column]))).join('  ');
  process.stdout.write(`${line(header)}\n${widths.map((width) => '-'.repeat(width)).join('  ')}\n`);
  for (const cell of cells) process.stdout.write(`${line(cell)}\n`);
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
