/**
 * @module The contract CLI's commands. Each returns its exit code: 0 clean, 1 drift (or flagged
 * smoke cells), and throws when it could not run (the CLI maps that to 2).
 */
import pg from "../../functions-shared/db/pg.ts";
import { introspect } from "../../functions-shared/drift/introspect.ts";
import { type Model, modelFromJson } from "../../functions-shared/drift/model.ts";
import { patch } from "../../functions-shared/drift/patch.ts";
import { renderJson, renderMarkdown } from "../../functions-shared/drift/report.ts";
import { pgRunner } from "../../functions-shared/drift/sql_runner.ts";
import { verify } from "../../functions-shared/drift/verify.ts";
import { redact } from "../../functions-shared/redact.ts";
import type { ContractArgs } from "./args.ts";
import { contractFromMigrationFolder } from "./scratch_database.ts";
import { sessionContract } from "./session_contract.ts";
import { renderSmokeMarkdown } from "./smoke/crud_matrix.ts";
import { smoke } from "./smoke/smoke.ts";

/** Where output goes. */
export interface CommandIo {
  stdout(text: string): void | Promise<void>;
  /** Progress and counts, for people. */
  stderr(text: string): void | Promise<void>;
  writeFile(path: string, text: string): Promise<void>;
  readFile(path: string): Promise<string>;
}

/** A database URL with its password hidden, for messages. */
export function displayUrl(url: string): string {
  return redact(url);
}

async function withDatabase<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (e) {
    throw new Error(
      `Cannot connect to ${displayUrl(url)}: ${redact((e as Error).message)} ` +
        "(check --db; the server must be running and the user allowed to connect)",
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The contract and what reading it cost. */
async function loadContract(
  args: ContractArgs,
): Promise<{ model: Model; baseline: Model | null; source: string; catalogQueries: number }> {
  if (args.session) {
    return {
      model: await sessionContract(args.session, args.controlDb),
      baseline: null,
      source: `session ${args.session}`,
      catalogQueries: 0,
    };
  }
  const contract = await contractFromMigrationFolder(args.migrations!, {
    ...(args.scratchDb ? { scratchDbUrl: args.scratchDb } : {}),
  });
  return {
    model: contract.model,
    baseline: contract.baseline,
    source: `migrations ${args.migrations}`,
    catalogQueries: contract.catalogQueries,
  };
}

/** `contract verify`. */
export async function verifyCommand(args: ContractArgs, io: CommandIo): Promise<number> {
  const contract = await loadContract(args);
  const actual = await withDatabase(args.db!, (c) => introspect(pgRunner(c)));
  const v = verify(
    contract.model,
    actual.model,
    contract.baseline ? { baseline: contract.baseline } : {},
  );
  const counts =
    `Catalog queries: ${actual.catalogQueries} against the database (${
      Math.round(actual.durationMs)
    } ms)` +
    (contract.catalogQueries > 0 ? `, ${contract.catalogQueries} for the contract` : "");
  if (args.format === "json") {
    const report = JSON.parse(renderJson(v));
    await io.stdout(
      `${
        JSON.stringify(
          {
            database: displayUrl(args.db!),
            contract: contract.source,
            catalogQueries: actual.catalogQueries,
            contractCatalogQueries: contract.catalogQueries,
            ...report,
          },
          null,
          2,
        )
      }\n`,
    );
  } else {
    await io.stdout(renderMarkdown(v, {
      title: `Contract verification of ${displayUrl(args.db!)}`,
      notes: [`Contract: ${contract.source}.`, `${counts}.`],
    }));
  }
  if (args.patch) {
    await io.writeFile(
      args.patch,
      patch(v.findings, { allowDestructive: args.allowDestructive }),
    );
    await io.stderr(`contract: wrote the patch to ${args.patch}`);
  }
  await io.stderr(
    `contract: ${v.summary.drift} finding${v.summary.drift === 1 ? "" : "s"} of drift; ${counts}`,
  );
  return v.summary.drift > 0 ? 1 : 0;
}

/** `contract snapshot`. */
export async function snapshotCommand(args: ContractArgs, io: CommandIo): Promise<number> {
  const actual = await withDatabase(args.db!, (c) => introspect(pgRunner(c)));
  const json = `${JSON.stringify(actual.model, null, 2)}\n`;
  if (args.out) await io.writeFile(args.out, json);
  else await io.stdout(json);
  await io.stderr(`contract: snapshot taken with ${actual.catalogQueries} catalog queries`);
  return 0;
}

/** `contract diff`. */
export async function diffCommand(args: ContractArgs, io: CommandIo): Promise<number> {
  const [expectedFile, actualFile] = args.files as [string, string];
  const read = async (path: string) => {
    try {
      return modelFromJson(await io.readFile(path));
    } catch (e) {
      throw new Error(`Cannot read ${path}: ${(e as Error).message}`);
    }
  };
  const v = verify(await read(expectedFile), await read(actualFile));
  await io.stdout(
    args.format === "json"
      ? `${renderJson(v)}\n`
      : renderMarkdown(v, { title: `Contract diff of ${actualFile} against ${expectedFile}` }),
  );
  return v.summary.drift > 0 ? 1 : 0;
}

/** `contract smoke`. */
export async function smokeCommand(args: ContractArgs, io: CommandIo): Promise<number> {
  const contract = args.session || args.migrations ? (await loadContract(args)).model : null;
  const report = await withDatabase(args.db!, async (client) => {
    const { model } = await introspect(pgRunner(client));
    return await smoke(client, model, { contract, databaseLabel: displayUrl(args.db!) });
  });
  await io.stdout(
    args.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderSmokeMarkdown(report),
  );
  await io.stderr(
    `contract: ${report.flags.length} flagged cell${report.flags.length === 1 ? "" : "s"}; ` +
      `${report.statements} statements, rolled back`,
  );
  return report.flags.length > 0 ? 1 : 0;
}
