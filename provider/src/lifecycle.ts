/**
 * The provider process's life beside the engine's. The engine starts it (its launcher execs node,
 * so the engine is the parent) in a process group of its own, and at the end of a run, once state
 * is saved, interrupts it (SIGINT) and kills it 5 s later: it then exits at once, having nothing
 * left to write (state is the record of what the run made). An engine killed with SIGKILL sends
 * nothing: the provider would live on, finishing what was in flight for a state nobody will write.
 */
const ENGINE_EXITED = 70;

export class EngineWatch {
  #engine: number | undefined;

  start(): void {
    if (this.#engine !== undefined) return;
    this.#engine = process.ppid;
    setInterval(() => {
      if (process.ppid !== this.#engine) process.exit(ENGINE_EXITED);
    }, 250).unref();
    process.once("SIGINT", () => process.exit(0));
    process.once("SIGTERM", () => process.exit(0));
  }
}
