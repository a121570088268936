/**
 * @module The analytics demo dataset's descriptor: which Iceberg table the pipeline attaches
 * and how its columns map to Postgres (the generated file holds the values).
 */

/** One column of the demo table. */
export interface DemoColumn {
  readonly name: string;
  /** The Iceberg type (`long`, `date`, `string`, …). */
  readonly icebergType: string;
  /** The Postgres type the Iceberg wrapper maps it to. */
  readonly pgType: string;
}

/** The demo table in its analytics bucket. */
export interface DemoDataset {
  /** The analytics bucket (the Iceberg catalog's warehouse). */
  readonly warehouse: string;
  readonly namespace: string;
  readonly table: string;
  /** The table's location, `s3://<bucket>/<namespace>/<table>`. */
  readonly location: string;
  /** The snapshot the dataset was published as (decimal; 64-bit). */
  readonly snapshotId: string;
  readonly rowCount: number;
  readonly columns: readonly DemoColumn[];
}
