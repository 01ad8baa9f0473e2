import { join } from "node:path";
import { pulumiWorkspace, REPO_ROOT, type PulumiWorkspace } from "@ablo/harness";

// The foundation every other end-to-end claim stands on: the real Pulumi engine built by our
// setup, our language host, the dynamic-provider launcher and a policy pack run through RunPlugin.
const program = join(REPO_ROOT, "test", "fixtures", "engine-smoke");
const policyPack = join(REPO_ROOT, "test", "fixtures", "smoke-policy");

let ws: PulumiWorkspace;
beforeAll(async () => {
  ws = await pulumiWorkspace();
});
afterAll(() => ws?.dispose());

test("the engine is the pinned real Pulumi CLI", async () => {
  const r = await ws.ok(["version"], { cwd: program });
  expect(r.stdout.trim()).toBe("v3.274.1");
});

test("up, stack export, preview --policy-pack, destroy", async () => {
  const up = await ws.ok(["up", "--yes", "--skip-preview"], { cwd: program });
  expect(up.stdout).toContain('message: "hello smoke"');

  const exported = JSON.parse((await ws.ok(["stack", "export"], { cwd: program })).stdout);
  const resources: Array<{ type: string; outputs?: Record<string, unknown> }> = exported.deployment.resources;
  const greeting = resources.find((r) => r.type === "pulumi-nodejs:dynamic:Resource");
  expect(greeting?.outputs?.message).toBe("hello smoke");

  const preview = await ws.run(["preview", "--policy-pack", policyPack], { cwd: program });
  expect(preview.code).not.toBe(0);
  expect(preview.stdout).toMatch(/\[mandatory\]\s+no-greetings/);
  expect(preview.stdout).toContain("greetings are not allowed here");

  await ws.ok(["destroy", "--yes", "--skip-preview"], { cwd: program });
  const after = JSON.parse((await ws.ok(["stack", "export"], { cwd: program })).stdout);
  expect(after.deployment.resources ?? []).toHaveLength(0);
});
