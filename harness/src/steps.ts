/**
 * Numbered progress lines with timings for the main job: `[2/5] Starting… done (0.8s)`. On a
 * terminal a spinner shows the step is alive. Written here (30 lines) rather than with
 * listr2/ora: both are ESM-only now, and the engine's own progress is printed under -v anyway.
 */
export function steps(total: number) {
  let n = 0;
  const tty = process.stdout.isTTY;
  return async function step<T>(title: string, fn: () => Promise<T>, detail?: (r: T) => string): Promise<T> {
    n += 1;
    const label = `[${n}/${total}] ${title}`;
    const start = Date.now();
    const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
    let i = 0;
    const timer = tty
      ? setInterval(() => process.stdout.write(`\r${frames[i++ % frames.length]} ${label} ${((Date.now() - start) / 1000).toFixed(0)}s`), 100)
      : undefined;
    if (!tty) console.log(`${label}…`);
    try {
      const result = await fn();
      const took = `${((Date.now() - start) / 1000).toFixed(1)}s`;
      const extra = detail ? `: ${detail(result)}` : "";
      process.stdout.write(tty ? `\r✔ ${label}${extra} (${took})\x1b[K\n` : `  done${extra} (${took})\n`);
      return result;
    } catch (err) {
      process.stdout.write(tty ? `\r✖ ${label}\x1b[K\n` : "  failed\n");
      throw err;
    } finally {
      if (timer) clearInterval(timer);
    }
  };
}
