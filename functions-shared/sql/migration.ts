/** @module The unit the pipeline applies to a provisioned database. */

/** A named SQL migration; applying it twice has the same effect as applying it once. */
export interface Migration {
  /** Snake_case name recorded with the migration, e.g. `plan_schema`. */
  readonly name: string;
  /** The statements, separated by semicolons and newlines. */
  readonly sql: string;
}
