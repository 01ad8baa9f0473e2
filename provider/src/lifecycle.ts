/**
 * The provider process's life beside the engine's. The engine starts it (its launcher execs node,
 * so the engine is the parent) in a process group of its own, and at the end of a run, once state
 * is saved, interrupts it (SIGINT) and kills it 5 s later. An engine killed with SIGKILL sends
 * nothing: the provider would live on, finishing what was in flight for a state nobody will write.
 */
const ENGINE_EXITED = 70;
/** Within the engine's 5 s between its interrupt and its kill. */
const SHUTDOWN_BUDGET_MS = 4_000;

let engine: number | undefined;
const atEnd: Array<() => Promise<void>> = [];

export function watchEngine(): void {
  if (engine !== undefined) return;
  engine = process.ppid;
  setInterval(exitIfEngineGone, 250).unref();
  process.once("SIGINT", () => void endOfRun());
  process.once("SIGTERM", () => void endOfRun());
}

function engineGone(): boolean {
  return engine !== undefined && process.ppid !== engine;
}

function exitIfEngineGone(): void {
  if (engineGone()) process.exit(ENGINE_EXITED);
}

/** Work for the end of a run the engine completed (saved state): never done when it was killed. */
export function atEndOfRun(task: () => Promise<void>): void {
  atEnd.push(task);
}

async function endOfRun(): Promise<void> {
  if (!engineGone()) {
    const tasks = atEnd.splice(0).map((t) => t().catch(() => undefined));
    await Promise.race([Promise.all(tasks), new Promise((r) => setTimeout(r, SHUTDOWN_BUDGET_MS).unref())]);
  }
  process.exit(0);
}
