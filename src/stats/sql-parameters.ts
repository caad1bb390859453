// Numbered parameters for SQL assembled from parts: each value is added once,
// where it is first needed, so no placeholder is left unused (PostgreSQL
// refuses a parameter it cannot type).
export class SqlParameters {
  readonly values: unknown[] = [];

  /** The placeholder of a new parameter holding `value`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A placeholder for `value` that becomes a parameter only if the SQL asks for it. */
  lazy(value: unknown): () => string {
    let placeholder: string | null = null;
    return () => (placeholder ??= this.add(value));
  }
}
