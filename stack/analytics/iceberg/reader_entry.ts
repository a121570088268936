/** @module Entry point of the bundled Iceberg reader (see reader_cli.ts). */
import process from "node:process";
import { main } from "./reader_cli.ts";

process.exitCode = await main(process.argv.slice(2));
