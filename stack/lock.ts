/** @module Serialises stack commands: two `stack up` at once would both start a gateway. */
import { paths } from "./settings.ts";

/** Runs `fn` holding the stack's exclusive lock (waits for another command to finish). */
export async function withStackLock<T>(fn: () => Promise<T>): Promise<T> {
  await Deno.mkdir(paths.stackDir, { recursive: true });
  const file = await Deno.open(`${paths.stackDir}/stack.lock`, { create: true, write: true });
  try {
    await file.lock(true);
    return await fn();
  } finally {
    file.close(); // closing releases the lock
  }
}
