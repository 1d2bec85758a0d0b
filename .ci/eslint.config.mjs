// ESLint for the console's ES modules (assets/js), run by .ci/run: undefined names (a missing
// import shows only in a browser), unused imports, and shadowed names (a local `t` hiding the
// translation function broke the order page once).
import globals from "globals";

export default [
  {
    files: ["**/*.js"],
    languageOptions: { ecmaVersion: 2024, sourceType: "module", globals: globals.browser },
    rules: {
      "no-undef": "error",
      "no-unused-vars": ["error", { args: "none", ignoreRestSiblings: true }],
      "no-shadow": "error",
    },
  },
];
