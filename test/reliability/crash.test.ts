import { spawn } from "node:child_process";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fullReliabilityRun, PULUMI_SCRIPT, recordFigures, type FigureRow } from "@ablo/harness";
import { compare, FLEET_PROGRAM, startFleet, sweepCanary, type Fleet } from "./fleet";

// Crashes in the middle of an `up`: the API server killed with SIGKILL and restarted on the same
// data, and the `pulumi` process itself killed with SIGKILL, followed by the recovery a user runs.
// Either way the next `up` converges with nothing lost or duplicated, and `destroy` leaves nothing.
// Both hosts of the one provider core: the SDK's dynamic provider and the provider plugin; each
// against ablo-local's whole contract and against its minimal surface (create, retrieve and
// delete only: no list to find a lost create by, no update to mark a create finished), where
// recovery rests on the replayed Idempotency-Keys alone.
const N = fullReliabilityRun() ? 40 : 10;
const ROUNDS = fullReliabilityRun() ? 5 : 1;
const rounds = Array.from({ length: ROUNDS }, (_, i) => i + 1);

const cases = [
  ["dynamic", "full"],
  ["plugin", "full"],
  ["dynamic", "minimal"],
  ["plugin", "minimal"],
] as const;

describe.each(cases)("%s provider, %s API surface", (host, surface) => {
  let fleet: Fleet;
  const rows: FigureRow[] = [];

  beforeAll(async () => {
    fleet = await startFleet(N, { host, api: { surface } });
  }, 180_000);

  afterAll(async () => {
    recordFigures({
      section: `${host === "dynamic" ? "2. Crash" : "2b. Crash, provider plugin"}${surface === "minimal" ? ", minimal API surface (no list, no update route)" : ""}`,
      what:
        `${N} Datasources, ${ROUNDS} round(s) of each. Server: \`kill -9\` of ablo-local once it held a third of the Datasources, restarted on the same data 1 s later. ` +
        "Engine: `kill -9` of the `pulumi` process group once ablo-local held half of the Datasources, their verification slowed, then the user's recovery " +
        "(`pulumi cancel`, `pulumi refresh --clear-pending-creates`, `pulumi up`).",
      rows,
    });
    await fleet?.dispose();
  });

  /**
   * Resolves once the server holds `n` datasources. Not a count of create requests: after the
   * rounds before, a create first replays earlier lives of its resource (same inputs, destroyed
   * since; provider/src/create-recovery.ts), and the kill must come once new ones are committed.
   */
  async function serverHolds(n: number): Promise<void> {
    const deadline = Date.now() + 120_000;
    while ((await fleet.serverIds()).length < n) {
      if (Date.now() > deadline) throw new Error(`the server never held ${n} datasources`);
      await sleep(50);
    }
  }

  /** Puts `<stack>.json.bak` back when the kill cut the checkpoint short; true when it had to. */
  async function restoreCheckpointIfCut(): Promise<boolean> {
    const probe = await fleet.ws.run(["stack", "export"], { cwd: FLEET_PROGRAM });
    if (probe.code === 0) return false;
    expect(probe.stderr).toMatch(/failed to load checkpoint/);
    const dir = join(fleet.ws.dir, "state", ".pulumi", "stacks", "fleet-reliability");
    await copyFile(join(dir, `${fleet.ws.stack}.json.bak`), join(dir, `${fleet.ws.stack}.json`));
    return true;
  }

  async function settle(name: string, extra: FigureRow): Promise<void> {
    const server = await fleet.serverIds();
    const state = await fleet.stateIds();
    const { duplicates, orphans } = compare(server, state);
    if (duplicates + orphans > 0) console.log(JSON.stringify({ server, state }));
    const d = await fleet.pulumi(["destroy", "--yes", "--skip-preview"]);
    const left = (await fleet.serverIds()).length;
    rows.push({ scenario: name, ...extra, "in state": state.length, "on server": server.length, duplicates, orphans, "left after destroy": left });
    expect({ name, inState: state.length, duplicates, orphans, destroyed: d.code, left }).toEqual({
      name,
      inState: N,
      duplicates: 0,
      orphans: 0,
      destroyed: 0,
      left: 0,
    });
  }

  test.each(rounds)(
    "kill -9 of the API server mid-up (round %i): the same up rides it out, nothing lost or duplicated",
    async () => {
      const up = fleet.pulumi(["up", "--yes", "--skip-preview"]);
      await serverHolds(Math.ceil(N / 3));
      await fleet.api.kill9();
      await sleep(1000);
      await fleet.api.restart();
      const r = await up;
      await settle(`server killed mid-up (${host}, ${surface})`, { "up after restart": r.code === 0 ? "converged" : `failed (${r.code})` });
      expect(r.code).toBe(0);
    },
    600_000,
  );

  test.each(rounds)(
    "kill -9 of pulumi mid-up (round %i): cancel, refresh, then up takes over what the killed run created",
    async () => {
      // Verification answers slowly, so creates are committed on the server while the engine waits.
      await fleet.setFaults([{ method: "GET", path: "/v1/datasources/*", action: "latency", latencyMs: 3000 }]);
      const child = spawn(PULUMI_SCRIPT, ["up", "--yes", "--skip-preview"], {
        cwd: FLEET_PROGRAM,
        env: { ...process.env, ...fleet.ws.env },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true, // its own process group: the engine, language host and provider die together
      });
      const out: string[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b.toString()));
      child.stderr.on("data", (b: Buffer) => out.push(b.toString()));
      const exited = new Promise<void>((r) => child.once("close", () => r()));
      await serverHolds(Math.ceil(N / 2));
      process.kill(-child.pid!, "SIGKILL");
      await exited;
      fleet.transcript.push(...out);
      await fleet.setFaults([]);
      const createdByKilledRun = (await fleet.serverIds()).length;

      // What a user does after a killed up: remove the lock the killed run left (`pulumi cancel`),
      // clear the pending creates, whose outcome the engine cannot know, with refresh; the next up
      // then finds what they made.
      const cancel = await fleet.pulumi(["cancel", "--yes"]);
      // The file backend can be killed while it writes the checkpoint, which then fails to load
      // ("failed to load checkpoint: EOF"): the user puts back the backup it keeps beside it.
      const restored = await restoreCheckpointIfCut();
      const refresh = await fleet.pulumi(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
      const up = await fleet.pulumi(["up", "--yes", "--skip-preview"]);
      // Seen once in ten rounds: the checkpoint found cut short only after these commands succeeded.
      const restoredAfter = await restoreCheckpointIfCut();
      await settle(`pulumi killed mid-up (${host}, ${surface})`, {
        "on server after kill": createdByKilledRun,
        recovery:
          ([cancel, refresh, up].every((r) => r.code === 0)
            ? "cancel + refresh + up converged"
            : `cancel ${cancel.code}, refresh ${refresh.code}, up ${up.code}`) +
          (restored ? " (checkpoint cut short by the kill: its .bak put back first)" : "") +
          (restoredAfter ? " (checkpoint found cut short after the recovery: its .bak put back)" : ""),
      });
      expect([cancel.code, refresh.code, up.code]).toEqual([0, 0, 0]);
    },
    600_000,
  );

  test("the canary password is nowhere in the engine's output, the server's logs or its data", async () => {
    expect(Object.values(await sweepCanary(fleet, `crash-${host}-${surface}`))).toEqual([0, 0, 0, 0]);
  });
});
