import { mkdtemp, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { engineFailures, resolveSettings } from "@ablo/provider";
import { meantSetting, plainApiKeyWarning, unknownSettingReason } from "@ablo/provider/setting-keys";
import { apiKeyInPlainText, stackOf } from "../../plugin/src/stack-file";

// A new user's configuration mistakes, judged before any request: the unit level of
// test/promises/mistakes.test.ts, which drives the same through the real engine.
const KEY = "sk_test_settingsCanary0000";
const settingsFor = (baseUrl: string, env: NodeJS.ProcessEnv = {}) => resolveSettings(env, { apiKey: KEY, baseUrl });
const problemOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err as Error & { property?: string };
  }
  throw new Error("no problem");
};

describe("ablo:baseUrl", () => {
  test.each([
    ["https://api.example.com/v1", "https://api.example.com"],
    ["https://api.example.com/v1/", "https://api.example.com"],
    ["https://api.example.com/V1", "https://api.example.com"],
    ["https://proxy.example.com/ablo/v1", "https://proxy.example.com/ablo"],
    ["http://127.0.0.1:8080/v1", "http://127.0.0.1:8080"],
  ])("%s ends in /v1: the server's address without it is named", (url, fixed) => {
    const err = problemOf(() => settingsFor(url));
    expect(err).toMatchObject({ name: "ProviderConfigError", property: "ablo:baseUrl" });
    expect(err.message).toBe(`ablo:baseUrl is the server's address without /v1: use ${fixed}`);
  });

  test.each([
    "https://api.example.com",
    "https://api.example.com/ablo/",
    "https://api.example.com/v10",
    "http://127.0.0.1:1",
    "http://[::1]:1",
    "http://localhost:1",
  ])("%s is taken", (url) => {
    expect(settingsFor(url).baseUrl).toBe(url);
  });

  test("http:// to another machine is refused before any request, naming the https:// address", () => {
    const err = problemOf(() => settingsFor("http://api.example.com:8080/ablo"));
    expect(err).toMatchObject({ name: "ProviderConfigError", property: "ablo:baseUrl" });
    expect(err.message).toBe(
      "ablo:baseUrl http://api.example.com:8080/ablo would send the API key in plain text: use https://api.example.com:8080/ablo; " +
        "http:// is allowed for 127.0.0.0/8, ::1 and localhost only",
    );
  });

  test("the client's words name the setting, and ABLO_BASE_URL when the value came from there", () => {
    expect(problemOf(() => settingsFor("htps://api.example.com")).message).toBe("ablo:baseUrl must use https:// (or http:// to a loopback host)");
    const fromEnv = problemOf(() => resolveSettings({ ABLO_BASE_URL: "http://api.example.com" }, { apiKey: KEY }));
    expect(fromEnv).toMatchObject({ property: "ablo:baseUrl", message: expect.stringMatching(/^ABLO_BASE_URL http:\/\/api\.example\.com would send/) });
  });
});

describe("unknown ablo: keys", () => {
  test.each([
    ["baseURL", "baseUrl"],
    ["baseurl", "baseUrl"],
    ["base_url", "baseUrl"],
    ["base-url", "baseUrl"],
    ["baseUri", "baseUrl"],
    ["apikey", "apiKey"],
    ["api_key", "apiKey"],
    ["apiKye", "apiKey"],
    ["APIKEY", "apiKey"],
  ])("ablo:%s: did you mean ablo:%s?", (key, meant) => {
    expect(meantSetting(key)).toBe(meant);
    const reason = unknownSettingReason(key);
    expect(reason).toMatch(
      new RegExp(`^unknown key ablo:${key}, did you mean ablo:${meant}\\? Move its value: \`pulumi config rm ablo:${key}\`, then \`pulumi config set `),
    );
    if (meant === "apiKey") expect(reason).toContain("pulumi config set --secret ablo:apiKey <value>");
  });

  test.each(["token", "url", "key", "region"])("ablo:%s is like no setting: the message lists them", (key) => {
    expect(meantSetting(key)).toBeUndefined();
    expect(unknownSettingReason(key)).toBe(
      `unknown key ablo:${key}: the ablo provider takes ablo:apiKey and ablo:baseUrl; remove it with \`pulumi config rm ablo:${key}\``,
    );
  });

  test("the plain-text warning names the stack's file and the fix, never a key", () => {
    expect(plainApiKeyWarning("dev")).toMatch(
      /^ablo:apiKey is stored in plain text in Pulumi\.dev\.yaml: re-set it with `pulumi config set --secret ablo:apiKey`/,
    );
  });
});

describe("check failures as the engine prints them", () => {
  const news = { connectionString: "x", schema: "bad schema!", metadata: { team: 5 } };
  test("a failure on a top-level input that is there keeps its property; nested or absent ones go without, their reason naming the property", () => {
    expect(
      engineFailures(
        [
          { property: "schema", reason: "schema must be a plain PostgreSQL identifier" },
          { property: "metadata.team", reason: "Invalid input: expected string, received number" },
          { property: "metadata.<key>", reason: "a metadata key holds a connection string with a password" },
          { property: "adoptId", reason: "adoptId is required here" },
          { property: "", reason: "whole" },
        ],
        news,
      ),
    ).toEqual([
      { property: "schema", reason: "schema must be a plain PostgreSQL identifier" },
      { property: "", reason: "metadata.team: Invalid input: expected string, received number" },
      { property: "", reason: "a metadata key holds a connection string with a password" },
      { property: "", reason: "adoptId is required here" },
      { property: "", reason: "whole" },
    ]);
  });
});

describe("the plugin reads whether the stack's file holds ablo:apiKey in plain text", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ablo-stack-file-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const stackFile = (text: string, stack = "dev", sub = "") => writeFile(join(dir, sub, `Pulumi.${stack}.yaml`), text);

  test.each([
    ["as `pulumi config set` writes it", `config:\n  ablo:apiKey: ${KEY}\n  ablo:baseUrl: https://api.example.com\n`, true],
    ["quoted", `config:\n  "ablo:apiKey": "${KEY}" # a comment\n`, true],
    ["as `pulumi config set --secret` writes it", "config:\n  ablo:apiKey:\n    secure: v1:abc\n", false],
    ["as a flow mapping", "config:\n  ablo:apiKey: { secure: v1:abc }\n", false],
    ["not there (an environment, or ABLO_API_KEY)", "config:\n  ablo:baseUrl: https://api.example.com\n", undefined],
  ])("%s", async (_what, text, plain) => {
    await writeFile(join(dir, "Pulumi.yaml"), "name: p\nruntime: yaml\n");
    await stackFile(text);
    expect(apiKeyInPlainText("dev", dir)).toBe(plain);
  });

  test("in the project's stackConfigDir; no file is undefined", async () => {
    await mkdir(join(dir, "stacks"), { recursive: true });
    await writeFile(join(dir, "Pulumi.yaml"), "name: p\nruntime: yaml\nstackConfigDir: stacks\n");
    await stackFile(`config:\n  ablo:apiKey: ${KEY}\n`, "prod", "stacks");
    expect(apiKeyInPlainText("prod", dir)).toBe(true);
    expect(apiKeyInPlainText("nostack", dir)).toBeUndefined();
  });

  test("the stack of a provider's URN", () => {
    expect(stackOf("urn:pulumi:dev::proj::pulumi:providers:ablo::default_0_1_0")).toBe("dev");
    expect(stackOf("not a urn")).toBeUndefined();
  });
});
