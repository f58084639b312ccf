import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { z } from 'zod';
import { SCENARIO_LIMITS } from '../config/limits.js';
import { flattenUnions, issueReason } from './issue-wording.js';
import { allowedKeys } from './schema-keys.js';
import { misplacedAction, scenarioSchema, type ScenarioDocument } from './schema.js';
import { yamlSyntaxReason } from './yaml-errors.js';

/** A validated scenario with where it came from. */
export type Scenario = ScenarioDocument & {
  /** Shipped name or file name without extension. */
  name: string;
  /** The file it was read from (null when built in code). */
  file: string | null;
  /** Folder that relative paths (mail seeds) resolve against and must stay inside. */
  baseDir: string | null;
};

/** A scenario that cannot be used; `message` is `file:line:col: path: reason`, one line per problem. */
export class ScenarioError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'ScenarioError';
  }
}

/** scenarios/ at the package root (dist/src/scenario/load.js → ../../../scenarios). */
export const SHIPPED_DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));

const EXTENSIONS = ['.yaml', '.yml', '.json'];

type PathKey = string | number;

/** `smtp.rules[2].reply.code` */
export function formatPath(path: readonly PathKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${key}` : key;
  return out || '(top level)';
}

/** Line and column of the node at `path` (or of an unknown key's own name), 1-based. */
function locate(
  doc: Document,
  counter: LineCounter,
  path: readonly PathKey[],
  unknownKey?: string,
): { line: number; col: number } | null {
  let node = doc.getIn(path, true) as YamlNode | undefined;
  let offset = node?.range?.[0];
  if (unknownKey !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === unknownKey);
    if (pair && isScalar(pair.key)) offset = pair.key.range?.[0];
  }
  // A missing key: point at the closest ancestor that exists.
  for (let up = path.length - 1; offset === undefined && up >= 0; up--) {
    node = doc.getIn(path.slice(0, up), true) as YamlNode | undefined;
    offset = node?.range?.[0];
  }
  if (offset === undefined) return null;
  const pos = counter.linePos(offset);
  return { line: pos.line, col: pos.col };
}

type Where = { line: number; col: number } | null;

function problem(label: string, where: Where, path: string, reason: string) {
  return `${label}${where ? `:${where.line}:${where.col}` : ''}: ${path}: ${reason}`;
}

/** `smtp.rules[0]` → `smtp`, `rules[0]` → `rules`: where a rule object sits, or null. */
function ruleSection(path: readonly PathKey[]): 'smtp' | 'imap' | 'pop3' | 'rules' | null {
  if (path.length === 2 && path[0] === 'rules' && typeof path[1] === 'number') return 'rules';
  if (
    path.length === 3 &&
    (path[0] === 'smtp' || path[0] === 'imap' || path[0] === 'pop3') &&
    path[1] === 'rules' &&
    typeof path[2] === 'number'
  )
    return path[0];
  return null;
}

/** Schema issues as `file:line:col: path: reason` lines, in the order of the file. */
function schemaProblems(allIssues: z.core.$ZodIssue[], doc: Document, counter: LineCounter, label: string) {
  const issues = flattenUnions(allIssues);
  const found: { where: Where; text: string }[] = [];
  const add = (where: Where, path: readonly PathKey[], reason: string) =>
    found.push({ where, text: problem(label, where, formatPath(path), reason) });
  /** Rules with another protocol's outcome key: their "must do something" is a follow-on error. */
  const misplaced = new Set<string>();
  for (const issue of issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
    if (issue.code !== 'unrecognized_keys') continue;
    const section = ruleSection(path);
    for (const key of issue.keys) {
      const hint = section ? misplacedAction(section, key) : undefined;
      if (hint) misplaced.add(formatPath(path));
      const allowed = allowedKeys(path);
      const reason = allowed.length ? `unknown key (allowed: ${allowed.join(', ')})` : 'unknown key';
      add(locate(doc, counter, path, key), [...path, key], hint ?? reason);
    }
  }
  for (const issue of issues) {
    const path = issue.path.filter((k): k is PathKey => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') continue;
    if (issue.code === 'custom' && issue.params?.noOutcome && misplaced.has(formatPath(path))) continue;
    add(locate(doc, counter, path), path, issueReason(issue, doc, path));
  }
  // zod reports an object's own problems (unknown keys, refinements) after its children's.
  const before = (a: Where, b: Where) =>
    !a || !b ? Number(!a) - Number(!b) : a.line - b.line || a.col - b.col;
  return found.sort((a, b) => before(a.where, b.where)).map((p) => p.text);
}

/**
 * Parses and validates scenario text (YAML, or JSON which is YAML too). `label` names the file in
 * messages; `baseDir` is where relative mail seeds must resolve and stay.
 */
export async function parseScenario(
  textIn: string,
  options: { label: string; name: string; file?: string | null; baseDir?: string | null },
): Promise<Scenario> {
  const size = Buffer.byteLength(textIn, 'utf8');
  if (size > SCENARIO_LIMITS.maxFileBytes) throw tooBig(options.label, size);
  const counter = new LineCounter();
  const doc = parseDocument(textIn, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => {
      const pos = counter.linePos(e.pos[0]);
      return `${options.label}:${pos.line}:${pos.col}: ${yamlSyntaxReason(e.code, e.message)}`;
    });
    throw new ScenarioError(problems.join('\n'), problems);
  }
  const tooMany = ruleCountProblems(doc, counter, options.label);
  if (tooMany.length) throw new ScenarioError(tooMany.join('\n'), tooMany);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: SCENARIO_LIMITS.maxAliasCount });
  } catch (err) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount ("billion laughs").
    const where = firstAlias(doc, counter);
    const text = `aliases (*name) expand to more than ${SCENARIO_LIMITS.maxAliasCount} copies; write the values out (${(err as Error).name})`;
    throw new ScenarioError(`${options.label}${where ? `:${where.line}:${where.col}` : ''}: ${text}`);
  }
  const result = scenarioSchema.safeParse(data);
  if (!result.success) {
    const problems = schemaProblems(result.error.issues, doc, counter, options.label);
    throw new ScenarioError(problems.join('\n'), problems);
  }
  const scenario: Scenario = {
    ...result.data,
    name: options.name,
    file: options.file ?? null,
    baseDir: options.baseDir ?? null,
  };
  await checkMailFiles(scenario, doc, counter, options.label);
  return scenario;
}

function tooBig(label: string, size: number): ScenarioError {
  const max = SCENARIO_LIMITS.maxFileBytes;
  return new ScenarioError(
    `${label}: the file is ${size} bytes; a scenario file may be at most ${max} bytes (1 MiB), refused before reading it`,
  );
}

/** Rule lists over the cap, each at its line: checked on the YAML tree, before any rule is validated. */
function ruleCountProblems(doc: Document, counter: LineCounter, label: string): string[] {
  const problems: string[] = [];
  for (const path of [['rules'], ['smtp', 'rules'], ['imap', 'rules'], ['pop3', 'rules']]) {
    const list = doc.getIn(path, true);
    if (!isSeq(list) || list.items.length <= SCENARIO_LIMITS.maxRules) continue;
    const where = locate(doc, counter, path);
    problems.push(
      problem(
        label,
        where,
        formatPath(path),
        `${list.items.length} rules; a list may hold at most ${SCENARIO_LIMITS.maxRules}`,
      ),
    );
  }
  return problems;
}

/** Where the first alias (*name) of the document is, 1-based. */
function firstAlias(doc: Document, counter: LineCounter): Where {
  let offset: number | undefined;
  visit(doc, {
    Alias(_, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset === undefined ? null : counter.linePos(offset);
}

/** Mail seeds must exist and stay inside the scenario's folder: no `..`, no absolute path, no symlink out. */
async function checkMailFiles(scenario: Scenario, doc: Document, counter: LineCounter, label: string) {
  const problems: string[] = [];
  for (const [i, seed] of (scenario.mail ?? []).entries()) {
    const path = ['mail', i, 'file'];
    const fail = (reason: string) =>
      problems.push(problem(label, locate(doc, counter, path), formatPath(path), reason));
    if (!scenario.baseDir) {
      fail('mail files need a scenario read from a file');
      continue;
    }
    if (isAbsolute(seed.file) || seed.file.split(/[\\/]/).includes('..')) {
      fail(
        `${JSON.stringify(seed.file)} leaves the scenario's folder (use a path relative to it, without ..)`,
      );
      continue;
    }
    let real: string;
    try {
      real = await realpath(resolve(scenario.baseDir, seed.file));
    } catch {
      fail(`${JSON.stringify(seed.file)} does not exist (looked in ${scenario.baseDir})`);
      continue;
    }
    const base = await realpath(scenario.baseDir);
    if (real !== base && !real.startsWith(base + sep)) {
      fail(`${JSON.stringify(seed.file)} is a link to ${real}, outside the scenario's folder`);
      continue;
    }
    if (!statSync(real).isFile()) fail(`${JSON.stringify(seed.file)} is not a file`);
  }
  if (problems.length) throw new ScenarioError(problems.join('\n'), problems);
}

function looksLikePath(nameOrPath: string): boolean {
  return /[\\/]/.test(nameOrPath) || EXTENSIONS.includes(extname(nameOrPath).toLowerCase());
}

/** Reads a scenario file, or a shipped scenario by name (`greylisting`). Throws ScenarioError. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  let file: string;
  if (looksLikePath(nameOrPath)) file = resolve(nameOrPath);
  else {
    const found = EXTENSIONS.map((ext) => join(SHIPPED_DIR, nameOrPath + ext)).find((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
    if (!found) {
      const names = listShippedScenarios().map((s) => s.name);
      throw new ScenarioError(`${nameOrPath}: no such shipped scenario (${names.join(', ')})`);
    }
    file = found;
  }
  const label = displayName(file);
  let text: string;
  try {
    // Refused before a byte is read: a huge file costs nothing (SCENARIO_LIMITS.maxFileBytes).
    const size = (await stat(file)).size;
    if (size > SCENARIO_LIMITS.maxFileBytes) throw tooBig(label, size);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError(`${nameOrPath}: cannot read the file (${(err as NodeJS.ErrnoException).code})`);
  }
  return parseScenario(text, {
    label,
    name: basename(file, extname(file)),
    file,
    baseDir: dirname(realpathSync(file)),
  });
}

/** The file as the user would name it: relative to the working directory when inside it. */
function displayName(file: string): string {
  const label = relative(process.cwd(), file) || file;
  return label.startsWith('..') ? file : label;
}

/** Shipped scenarios with their one-line description, by name (for `mailsandbox scenarios`); a server
 *  personality names the real server it copies. */
export function listShippedScenarios(): { name: string; description: string; personality?: string }[] {
  let files: string[];
  try {
    files = readdirSync(SHIPPED_DIR).filter((f) => EXTENSIONS.includes(extname(f)));
  } catch {
    return [];
  }
  return files.sort().map((f) => {
    const doc = parseDocument(readFileSync(join(SHIPPED_DIR, f), 'utf8'));
    const description = doc.get('description');
    const personality = doc.get('personality');
    return {
      name: basename(f, extname(f)),
      description: typeof description === 'string' ? description.split('\n')[0]! : '',
      ...(typeof personality === 'string' ? { personality } : {}),
    };
  });
}

/** The default scenario: everything accepted, nothing scripted (the engine runs it when the user chose none). */
export function defaultScenario(): Scenario {
  return { description: 'accept everything, script nothing', name: 'accept-all', file: null, baseDir: null };
}
