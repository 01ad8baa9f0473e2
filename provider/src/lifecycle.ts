/**
 * The provider process's life beside the engine's. The engine starts it (its launcher execs node,
 * so the engine is the parent) in a process group of its own, and at the end of a run, once state
 * is saved, interrupts it (SIGINT) and kills it 5 s later. An engine killed with SIGKILL sends
 * nothing: the provider would live on, finishing what was in flight for a state nobody will write.
 */
const ENGINE_EXITED = 70;
/** Within the engine's 5 s between its interrupt and its kill. */
const SHUTDOWN_BUDGET_MS = 4_000;

export class EngineWatch {
  #engine: number | undefined;
  readonly #atEnd: Array<() => Promise<void>> = [];

  start(): void {
    if (this.#engine !== undefined) return;
    this.#engine = process.ppid;
    setInterval(() => {
      if (this.engineGone()) process.exit(ENGINE_EXITED);
    }, 250).unref();
    process.once("SIGINT", () => void this.endOfRun());
    process.once("SIGTERM", () => void this.endOfRun());
  }

  /** Work for the end of a run the engine completed (saved state): never done when it was killed. */
  atEndOfRun(task: () => Promise<void>): void {
    this.#atEnd.push(task);
  }

  private engineGone(): boolean {
    return this.#engine !== undefined && process.ppid !== this.#engine;
  }

  private async endOfRun(): Promise<void> {
    if (!this.engineGone()) {
      const tasks = this.#atEnd.splice(0).map((t) => t().catch(() => undefined));
      await Promise.race([Promise.all(tasks), new Promise((r) => setTimeout(r, SHUTDOWN_BUDGET_MS).unref())]);
    }
    process.exit(0);
  }
}
