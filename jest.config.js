// One jest run for every test: unit tests import TypeScript sources directly (mapped below);
// end-to-end tests drive the compiled packages, the real engine, ablo-local and PostgreSQL.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/test/tsconfig.json" }] },
  moduleNameMapper: {
    "^@ablo/(api|connection|client|provider|harness|packaging)$": "<rootDir>/$1/src",
    // The provider's declared subpaths (its package.json "exports"), light modules the SDK and the policy pack load alone.
    "^@ablo/provider/(type-tokens|owner-key|setting-keys|look-up)$": "<rootDir>/provider/src/$1",
    "^@ablo/pulumi$": "<rootDir>/sdk/src",
    "^@ablo/policy-pack$": "<rootDir>/policy-pack/src",
    "^ablo-local$": "<rootDir>/server/src",
  },
  // Loopback only, no real DNS: enforced in every worker, not just promised (test/setup/loopback-only.cjs).
  setupFiles: ["<rootDir>/test/setup/loopback-only.cjs"],
  testTimeout: 120_000,
  // Two cores: the end-to-end suites each start PostgreSQL, a server and the engine.
  maxWorkers: 2,
};
