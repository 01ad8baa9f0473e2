import { fullReliabilityRun, recordFigures } from "@ablo/harness";
import { compare, FAULT_MIX, startFleet, sweepCanary, type Fleet } from "./fleet";

// Finding 2 of the reliability issue: N Datasources, `pulumi up` and `destroy` with ~35 % of API
// requests failing. Every round must end with state and server agreeing: no duplicate, no orphan.
// `npm run reliability` runs 20 rounds of 50; `npm test` a CI-sized part.
const N = fullReliabilityRun() ? 50 : 12;
const ROUNDS = fullReliabilityRun() ? 20 : 2;
/** Further attempts allowed when a first up or destroy fails (counted, and the target is that they don't). */
const MAX_ATTEMPTS = 3;

// Against ablo-local's whole contract and against its minimal surface (create, retrieve, delete).
describe.each(["full", "minimal"] as const)("%s API surface", (surface) => {
  let fleet: Fleet;

  beforeAll(async () => {
    fleet = await startFleet(N, { api: { surface } });
  }, 180_000);

  afterAll(async () => {
    await fleet?.dispose();
  });

  interface Round {
    round: number;
    upAttempts: number;
    destroyAttempts: number;
    duplicatesAfterUp: number;
    orphansAfterUp: number;
    leftAfterDestroy: number;
    requests: number;
    faultsInjected: number;
    seconds: number;
  }

  async function attempt(args: string[]): Promise<number> {
    for (let n = 1; n <= MAX_ATTEMPTS; n++) {
      const r = await fleet.pulumi(args);
      if (r.code === 0) return n;
    }
    return MAX_ATTEMPTS + 1;
  }

  test(
    `${ROUNDS} rounds of up/destroy of ${N} Datasources at a ~35 % fault mix (garbled answers included): no duplicate, no orphan`,
    async () => {
      const rounds: Round[] = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const started = Date.now();
        const requestsBefore = fleet.requestsLogged();
        await fleet.setFaults(FAULT_MIX);
        const upAttempts = await attempt(["up", "--yes", "--skip-preview"]);
        let faultsInjected = await fleet.faultsFired();
        await fleet.setFaults([]);
        const afterUp = compare(await fleet.serverIds(), await fleet.stateIds());
        const stateCount = (await fleet.stateIds()).length;

        await fleet.setFaults(FAULT_MIX);
        const destroyAttempts = await attempt(["destroy", "--yes", "--skip-preview"]);
        faultsInjected += await fleet.faultsFired();
        await fleet.setFaults([]);
        const left = (await fleet.serverIds()).length;
        rounds.push({
          round,
          upAttempts,
          destroyAttempts,
          duplicatesAfterUp: afterUp.duplicates,
          orphansAfterUp: afterUp.orphans,
          leftAfterDestroy: left,
          requests: fleet.requestsLogged() - requestsBefore,
          faultsInjected,
          seconds: Math.round((Date.now() - started) / 100) / 10,
        });
        expect({ round, stateCount }).toEqual({ round, stateCount: N });
      }

      const converged = (k: "upAttempts" | "destroyAttempts") => rounds.filter((r) => r[k] === 1).length;
      const sum = (k: keyof Round) => rounds.reduce((n, r) => n + r[k], 0);
      recordFigures({
        section: surface === "full" ? "1. Faults" : "1b. Faults, minimal API surface (no list, no update route)",
        what:
          `${N} Datasources, ${ROUNDS} rounds of \`up\` then \`destroy\` through the real engine, ablo-local failing ~35 % of API requests ` +
          "(503, 429 + Retry-After, TCP reset, commit-then-drop, 7.5 % each; then 5 % of answers garbled after their effect: " +
          "truncated, or a create's datasource without its id). Requests: lines in the server's access log; faults: rules fired.",
        rows: [
          {
            rounds: ROUNDS,
            "first up converged": `${converged("upAttempts")}/${ROUNDS}`,
            "first destroy converged": `${converged("destroyAttempts")}/${ROUNDS}`,
            duplicates: sum("duplicatesAfterUp"),
            "orphans after up": sum("orphansAfterUp"),
            "orphans after destroy": sum("leftAfterDestroy"),
            "requests (median/round)": median(rounds.map((r) => r.requests)),
            "faults injected (median/round)": median(rounds.map((r) => r.faultsInjected)),
            "wall time s (median/round)": median(rounds.map((r) => r.seconds)),
          },
        ],
      });
      console.log(JSON.stringify(rounds));
      expect(rounds.map((r) => [r.duplicatesAfterUp, r.orphansAfterUp, r.leftAfterDestroy])).toEqual(rounds.map(() => [0, 0, 0]));
      expect(converged("upAttempts")).toBeGreaterThanOrEqual(Math.ceil(ROUNDS * 0.95));
      expect(converged("destroyAttempts")).toBeGreaterThanOrEqual(Math.ceil(ROUNDS * 0.95));
    },
    60 * 60_000,
  );

  test("the canary password is nowhere in the engine's output, the server's logs or its data", async () => {
    expect(Object.values(await sweepCanary(fleet, `faults-${surface}`))).toEqual([0, 0, 0, 0]);
  });
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
