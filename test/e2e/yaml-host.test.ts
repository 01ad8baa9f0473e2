import { join } from "node:path";
import { pulumiWorkspace, REPO_ROOT, type PulumiWorkspace } from "@ablo/harness";

// Pulumi's YAML language host (scripts/setup-yaml-host.sh, linked beside the engine) runs a
// `runtime: yaml` program on our engine: config in, outputs out, a secret stays a secret, and a
// second look changes nothing.
const program = join(REPO_ROOT, "test", "fixtures", "yaml-program");
const token = "yaml-canary-7Qx2";
let ws: PulumiWorkspace;
beforeAll(async () => {
  ws = await pulumiWorkspace();
});
afterAll(() => ws?.dispose());

test("up, no-change preview, outputs, destroy", async () => {
  const opts = { cwd: program };
  await ws.ok(["config", "set", "name", "ablo"], opts);
  await ws.ok(["config", "set", "--secret", "token"], { ...opts, stdin: token });

  const up = await ws.ok(["up", "--yes", "--skip-preview"], opts);
  expect(up.stdout).toMatch(/greeting\s*: "hello-ablo"/);
  // Found beside `pulumi` like a bundled host, so the engine does not warn about one from $PATH.
  expect(up.stdout + up.stderr).not.toContain("from $PATH");
  expect(up.stdout + up.stderr).not.toContain(token);

  await ws.ok(["preview", "--expect-no-changes"], opts);
  const outputs = JSON.parse((await ws.ok(["stack", "output", "--json"], opts)).stdout);
  expect(outputs).toEqual({ greeting: "hello-ablo", tokenGreeting: "[secret]" });
  expect((await ws.ok(["stack", "export"], opts)).stdout).not.toContain(token);

  await ws.ok(["destroy", "--yes", "--skip-preview"], opts);
  const after = JSON.parse((await ws.ok(["stack", "export"], opts)).stdout);
  expect(after.deployment.resources ?? []).toHaveLength(0);
});
