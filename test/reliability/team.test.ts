import { fullReliabilityRun, recordFigures, type FigureRow } from "@ablo/harness";
import { compare, startFleet, sweepCanary, type Fleet, type FleetStack } from "./fleet";

// A team's set-up: state in PostgreSQL (the engine's own postgres:// backend, on the project's
// embedded PostgreSQL), several machines at once. Two `up`s of one stack: the lock admits one.
// Two stacks of one organization applying at once, at several --parallel settings: each ends
// with exactly its own Datasources, and destroy leaves the organization empty.
const N = fullReliabilityRun() ? 30 : 8;
const PARALLEL = fullReliabilityRun() ? [1, 8, 32] : [1, 32];

let fleet: Fleet;
let second: FleetStack;
const rows: FigureRow[] = [];

beforeAll(async () => {
  fleet = await startFleet(N, { postgresBackend: true });
  second = await fleet.newStack(N);
}, 180_000);

afterAll(async () => {
  recordFigures({
    section: "3. Team",
    what:
      `State in PostgreSQL (PULUMI_BACKEND_URL=postgres://…, the engine's own backend). Two \`up\`s of one stack (${N} Datasources) at once; ` +
      `then two stacks of ${N} Datasources each, one organization, \`up\` and \`destroy\` at once per --parallel setting.`,
    rows,
  });
  await fleet?.dispose();
});

test("two ups of one stack at once: the lock refuses one, and state and server agree", async () => {
  const [a, b] = await Promise.all([fleet.pulumi(["up", "--yes", "--skip-preview"]), fleet.pulumi(["up", "--yes", "--skip-preview"])]);
  const codes = [a.code, b.code].sort();
  const refused = [a, b].find((r) => r.code !== 0);
  const state = await fleet.stateIds();
  const { duplicates, orphans } = compare(await fleet.serverIds(), state);
  rows.push({ scenario: "two ups of one stack", "exit codes": codes.join(" "), "in state": state.length, duplicates, orphans });
  // Either the second waited for nothing and found the work done, or the lock refused it.
  if (refused) expect(refused.stdout + refused.stderr).toMatch(/locked/);
  expect(codes[0]).toBe(0);
  expect({ inState: state.length, duplicates, orphans }).toEqual({ inState: N, duplicates: 0, orphans: 0 });
  expect((await fleet.pulumi(["preview", "--expect-no-changes"])).code).toBe(0);
  expect((await fleet.pulumi(["destroy", "--yes", "--skip-preview"])).code).toBe(0);
  expect(await fleet.serverIds()).toEqual([]);
}, 600_000);

test.each(PARALLEL)(
  "two stacks of one organization at once, --parallel %i: each holds exactly its own",
  async (parallel) => {
    const p = ["--parallel", String(parallel)];
    const started = Date.now();
    const ups = await Promise.all([fleet.pulumi(["up", "--yes", "--skip-preview", ...p]), second.pulumi(["up", "--yes", "--skip-preview", ...p])]);
    const upSeconds = (Date.now() - started) / 1000;
    const [stateA, stateB] = await Promise.all([fleet.stateIds(), second.stateIds()]);
    const server = await fleet.serverIds();
    const { duplicates, orphans } = compare(server, [...stateA, ...stateB]);
    const t = Date.now();
    const downs = await Promise.all([fleet.pulumi(["destroy", "--yes", "--skip-preview", ...p]), second.pulumi(["destroy", "--yes", "--skip-preview", ...p])]);
    const destroySeconds = (Date.now() - t) / 1000;
    const left = (await fleet.serverIds()).length;
    rows.push({
      scenario: `two stacks at once, --parallel ${parallel}`,
      "exit codes": [...ups, ...downs].map((r) => r.code).join(" "),
      "in state": `${stateA.length} + ${stateB.length}`,
      duplicates,
      orphans,
      "left after destroy": left,
      "up s": upSeconds.toFixed(1),
      "destroy s": destroySeconds.toFixed(1),
    });
    expect([...ups, ...downs].map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(new Set([...stateA, ...stateB]).size).toBe(2 * N);
    expect({ duplicates, orphans, left }).toEqual({ duplicates: 0, orphans: 0, left: 0 });
  },
  600_000,
);

test("the canary password is nowhere in the engine's output, the server's logs or its data", async () => {
  expect(Object.values(await sweepCanary(fleet, "team"))).toEqual([0, 0, 0, 0]);
});
