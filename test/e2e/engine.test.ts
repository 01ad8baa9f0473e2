import { join } from "node:path";
import { programStack, pulumiWorkspace, REPO_ROOT, type ProgramStack, type PulumiWorkspace } from "@ablo/harness";

// The foundation every other end-to-end claim stands on: the real Pulumi engine built by our
// setup, our language host, the dynamic-provider launcher and a policy pack run through RunPlugin.
const program = join(REPO_ROOT, "test", "fixtures", "engine-smoke");
const policyPack = join(REPO_ROOT, "test", "fixtures", "smoke-policy");

let ws: PulumiWorkspace;
let stack: ProgramStack; // made by the first `up` (scripts/pulumi selects the workspace's stack)
beforeAll(async () => {
  ws = await pulumiWorkspace();
  stack = programStack({ workspace: ws, program });
});
afterAll(() => ws?.dispose());

test("the engine is the pinned real Pulumi CLI", async () => {
  const r = await stack.ok(["version"]);
  expect(r.stdout.trim()).toBe("v3.274.1");
});

test("up, stack export, preview --policy-pack, destroy", async () => {
  const up = await stack.ok(["up", "--yes", "--skip-preview"]);
  expect(up.stdout).toContain('message: "hello smoke"');

  const { resources } = await stack.exportState();
  const greeting = resources.find((r) => r.type === "pulumi-nodejs:dynamic:Resource");
  expect(greeting?.outputs?.message).toBe("hello smoke");

  const preview = await stack.run(["preview", "--policy-pack", policyPack]);
  expect(preview.code).not.toBe(0);
  expect(preview.stdout).toMatch(/\[mandatory\]\s+no-greetings/);
  expect(preview.stdout).toContain("greetings are not allowed here");

  await stack.ok(["destroy", "--yes", "--skip-preview"]);
  expect((await stack.exportState()).resources).toHaveLength(0);
});
