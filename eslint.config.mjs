// ESLint (flat config) with typescript-eslint's type-aware rules over every package and the tests;
// `npm test` runs it first.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // Pulumi programs (examples/, bench/*-program/) are compiled by the engine's own TypeScript, outside our projects.
  // sdk/src/plugin is written by Pulumi's generator (scripts/gen-sdk.sh), checked against the schema instead.
  {
    ignores: ["**/dist/**", "**/node_modules/**", "coverage/**", ".pulumi-*/**", "examples/**", "bench/*-program/**", "sdk/src/plugin/**", "**/*.js", "**/*.mjs", "**/*.cjs"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // `_name` marks what is left out on purpose (a destructured field dropped, an unused parameter).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
      // The provider, resolvers and fixtures implement promise-returning interfaces without awaiting.
      "@typescript-eslint/require-await": "off",
      // Finding control characters in hosts, URIs and logs is what several validators are for.
      "no-control-regex": "off",
    },
  },
  {
    // Tests read JSON answers and exports as `any` on purpose: their assertions are the type check.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
);
