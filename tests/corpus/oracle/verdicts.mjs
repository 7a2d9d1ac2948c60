// Writes ../github-verdicts.json: for every workflow file of the corpus (repos/ and invalid/), the errors GitHub's
// workflow parser (@actions/workflow-parser: schema check, then the conversion that checks needs, cron, ids…) reports.
// Run: npm ci && npm run verdicts   (from tests/corpus/oracle)
import {parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter} from "@actions/workflow-parser";
import {ErrorPolicy} from "@actions/workflow-parser/model/convert";
import fs from "node:fs";
import path from "node:path";

const corpus = path.resolve(import.meta.dirname, "..");

function workflowFiles(top) {
  const found = [];
  const walk = dir => {
    for (const entry of fs.readdirSync(dir, {withFileTypes: true}).sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (/\.ya?ml$/.test(entry.name) && path.basename(path.dirname(full)) === "workflows" && path.basename(path.dirname(path.dirname(full))) === ".github") {
        found.push(path.relative(corpus, full).split(path.sep).join("/"));
      }
    }
  };
  if (fs.existsSync(path.join(corpus, top))) {
    walk(path.join(corpus, top));
  }

  return found;
}

// "<file> (Line: 5, Col: 7): message", or a YAML error "…at line 23, column 13:\n<excerpt>".
function toError(file, text) {
  const prefix = `${file} (Line: `;
  if (text.startsWith(prefix)) {
    const m = /^\(Line: (\d+), Col: (\d+)\): ([\s\S]*)$/.exec(text.slice(file.length + 1));
    if (m) {
      return {line: Number(m[1]), column: Number(m[2]), message: m[3]};
    }
  }

  const body = text.startsWith(file + ": ") ? text.slice(file.length + 2) : text;
  const yaml = /^([\s\S]*?) at line (\d+), column (\d+):/.exec(body);
  if (yaml) {
    return {line: Number(yaml[2]), column: Number(yaml[3]), message: yaml[1], yaml: true};
  }

  return {line: 0, column: 0, message: body};
}

const files = {};
for (const file of [...workflowFiles("repos"), ...workflowFiles("invalid")]) {
  const content = fs.readFileSync(path.join(corpus, file), "utf8");
  const parsed = parseWorkflow({name: file, content}, new NoOperationTraceWriter());
  let errors = parsed.context.errors.getErrors().map(e => e.message);
  if (parsed.value) {
    const template = await convertWorkflowTemplate(parsed.context, parsed.value, undefined, {errorPolicy: ErrorPolicy.TryConversion});
    errors = (template.errors ?? []).map(e => e.Message);
  }

  files[file] = [...new Set(errors)].map(e => toError(file, e));
}

const version = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "node_modules/@actions/workflow-parser/package.json"), "utf8")).version;
fs.writeFileSync(path.join(corpus, "github-verdicts.json"), JSON.stringify({
  generator: `@actions/workflow-parser ${version}: GitHub's workflow parser, as its Actions language service runs it`,
  files,
}, null, 1) + "\n");
console.log(`${Object.keys(files).length} files, ${Object.values(files).filter(e => e.length > 0).length} rejected`);
