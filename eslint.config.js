// Lint: TypeScript-aware recommended rules, React hooks rules for the components, and the project's boundaries:
// pages → components → lib/client (the browser); server.mts, lib/server and scripts → the engine's public face
// (sandbox/index.ts) only; lib/shared runs anywhere; the engine never imports page code. Types cross freely.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  {
    ignores: [
      "node_modules/**",
      ".next/**",
      ".cache/**",
      "lessons/**",
      "test-results/**",
      "next-env.d.ts",
      "public/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.tsx", "**/*.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...boundaries(),
);

/** One restricted-imports rule per part of the tree; `import type` is always allowed across a boundary. */
function boundaries() {
  const rule = (...patterns) => ({
    "@typescript-eslint/no-restricted-imports": [
      "error",
      { patterns: patterns.map(([group, message]) => ({ group, message, allowTypeImports: true })) },
    ],
  });
  const serverOnly = [
    ["**/lib/server/*", "../server/*", "**/server.mts"],
    "server-only code: not for the browser bundle",
  ];
  const engine = [
    ["**/sandbox/*", "**/sandbox/**", "!**/sandbox/limits"],
    "the engine runs on the server: the page may import its types (import type) and its limits only",
  ];
  const publicFace = [
    ["**/sandbox/*", "**/sandbox/**", "!**/sandbox/index", "!**/sandbox/index.ts"],
    "use the engine's public face, sandbox/index.ts (export what is missing there)",
  ];
  const pageCode = [
    ["**/components/**", "**/app/**", "**/lib/client/*", "react", "react-dom"],
    "the engine never imports page code",
  ];
  return [
    { files: ["components/**", "lib/client/**"], rules: rule(serverOnly, engine) },
    { files: ["app/**"], rules: rule(engine) },
    {
      files: ["lib/shared/**"],
      rules: rule(serverOnly, engine, [
        ["**/lib/client/*", "../client/*", "react", "react-dom"],
        "lib/shared runs anywhere: no browser code",
      ]),
    },
    { files: ["server.mts", "lib/server/**", "scripts/**"], rules: rule(publicFace) },
    {
      files: ["sandbox/**"],
      rules: rule(pageCode, [
        ["**/lib/server/*", "!**/lib/server/lessons"],
        "the engine uses lib/shared and the lesson loader only",
      ]),
    },
  ];
}
