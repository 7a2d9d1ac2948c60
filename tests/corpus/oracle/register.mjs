// The parser imports its schema as a JSON module without the `with { type: "json" }` attribute Node 20 requires;
// this hook loads .json files as JSON modules so the published package runs unmodified.
import {register} from "node:module";
register("./json-hooks.mjs", import.meta.url);
