/** @module The Avro codec and the Iceberg reader over the shipped demo dataset. */
import assert from "node:assert/strict";
import { DEMO_DATASET } from "../../functions-shared/analytics/demo_dataset.generated.ts";
import {
  type AvroSchema,
  readAvroFile,
  writeAvroFile,
} from "../../stack/analytics/iceberg/avro.ts";
import { csvField, main } from "../../stack/analytics/iceberg/reader_cli.ts";
import { MANIFEST_LIST_SCHEMA } from "../../stack/analytics/iceberg/spec.ts";
import { loadTable, localPath, readRows } from "../../stack/analytics/iceberg/table_reader.ts";
import { WAREHOUSE_SOURCE } from "../../stack/analytics/install_wrappers.ts";

const ADDR = {
  root: WAREHOUSE_SOURCE,
  warehouse: DEMO_DATASET.warehouse,
  table: `${DEMO_DATASET.namespace}.${DEMO_DATASET.table}`,
};

Deno.test("Avro files round-trip records, unions, maps, arrays and 64-bit longs", () => {
  const schema: AvroSchema = {
    type: "record",
    name: "r",
    fields: [
      { name: "id", type: "long" },
      { name: "maybe", type: ["null", "string"] },
      { name: "tags", type: { type: "array", items: "string" } },
      { name: "props", type: { type: "map", values: "int" } },
      { name: "ok", type: "boolean" },
      { name: "score", type: "double" },
    ],
  };
  const records = [
    { id: 9223372036854775807n, maybe: null, tags: [], props: {}, ok: true, score: 1.5 },
    { id: -3n, maybe: "x", tags: ["a", "b"], props: { k: -7 }, ok: false, score: -0.25 },
  ];
  const file = writeAvroFile({ schema, records, metadata: { "k": "v" }, sync: new Uint8Array(16) });
  const back = readAvroFile(file);
  assert.deepEqual(back.records, records);
  assert.equal(back.metadata.k, "v");
  assert.deepEqual(back.schema, schema);
  assert.throws(() => readAvroFile(new Uint8Array([1, 2, 3, 4])), /magic bytes/);
});

Deno.test("the demo table: metadata → snapshot → manifest list → manifest → Parquet", async () => {
  const table = await loadTable(ADDR);
  assert.equal(String(table.snapshotId), DEMO_DATASET.snapshotId);
  assert.equal(table.metadata.location, DEMO_DATASET.location);
  assert.deepEqual(table.fields.map((f) => f.name), DEMO_DATASET.columns.map((c) => c.name));
  assert.equal(table.dataFiles.length, 1);
  const list = readAvroFile(
    await Deno.readFile(localPath(ADDR, table.metadata.snapshots[0]!["manifest-list"])),
  );
  assert.deepEqual(list.schema, MANIFEST_LIST_SCHEMA);
  assert.equal(list.metadata["format-version"], "2");
  const rows = await readRows(ADDR, table);
  assert.equal(rows.length, DEMO_DATASET.rowCount);
  assert.equal(new Set(rows.map((r) => r.order_id)).size, rows.length, "order ids are unique");
  const some = await readRows(ADDR, table, ["category", "quantity"]);
  assert.deepEqual(Object.keys(some[0]!), ["category", "quantity"]);
  await assert.rejects(() => readRows(ADDR, table, ["nope"]), /has no column "nope"/);
});

Deno.test("the reader stays inside the warehouse and names what is missing", async () => {
  assert.throws(() => localPath(ADDR, "s3://other-bucket/x"), /outside the warehouse/);
  assert.throws(() => localPath(ADDR, `s3://${ADDR.warehouse}/../../etc/passwd`), /leaves/);
  await assert.rejects(() => loadTable({ ...ADDR, table: "marketplace.nope" }), /does not exist/);
  await assert.rejects(() => loadTable({ ...ADDR, table: "../x" }), /namespace\.table/);
  await assert.rejects(() => loadTable({ ...ADDR, warehouse: "../etc" }), /not a bucket name/);
});

Deno.test("CSV fields are what COPY reads", () => {
  assert.equal(csvField(null), "");
  assert.equal(csvField(""), '""');
  assert.equal(csvField(12n), "12");
  assert.equal(csvField('a,"b"'), '"a,""b"""');
  assert.equal(csvField(new Date("2025-03-04T00:00:00Z")), "2025-03-04");
  assert.equal(csvField(true), "t");
});

Deno.test("the CLI refuses a missing --root with usage", async () => {
  assert.equal(await main(["scan"]), 2);
});
